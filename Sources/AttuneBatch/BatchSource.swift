import AttuneDSP
public import AttuneStore
import AttunePipeline
import Foundation

/// What a batch was pointed at, turned into calls to analyse.
public struct BatchSource: Sendable {
    /// Calls found, in a stable order (by path, or manifest order).
    public var items: [BatchItem]
    /// Manifest lines that cannot be used, each with its line number and reason.
    public var problems: [FailureReport]
    /// Files in the folder that are not audio by their name (README, truth files, …).
    public var ignoredFileCount: Int

    /// File name extensions taken as audio when scanning a folder (libsndfile's formats).
    public static let audioExtensions: Set<String> = [
        "wav", "wave", "flac", "ogg", "oga", "opus", "au", "snd", "aif", "aiff", "aifc", "w64", "rf64", "caf", "mp3", "raw",
    ]

    /// Reads a folder (recursively) or a manifest CSV (a file ending in `.csv`).
    /// - Throws: `BatchSourceError` when the path cannot be read at all.
    public static func load(_ path: String) throws(BatchSourceError) -> BatchSource {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BatchSourceError(path: path, message: "does not exist")
        }
        if isDirectory.boolValue { return try scanFolder(path) }
        guard path.lowercased().hasSuffix(".csv") else {
            throw BatchSourceError(path: path, message: "is neither a folder of recordings nor a manifest .csv")
        }
        return try readManifest(path)
    }

    /// A recording's path as the store keeps it: absolute, so that `attune serve` (the call
    /// explorer's player) finds it whatever folder either was started from.
    static func stored(_ path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: path).standardizedFileURL.path
    }

    // MARK: - Folder

    /// Every audio file below `folder`, by path. `NAME.advisor.EXT` and `NAME.customer.EXT` side by
    /// side are one two-leg call `NAME`; a lone `NAME.customer.EXT` (or `.advisor.`) is that party's
    /// mono leg. Other files are one call each, named after the file.
    static func scanFolder(_ folder: String) throws(BatchSourceError) -> BatchSource {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else {
            throw BatchSourceError(path: folder, message: "cannot be read")
        }
        var audio: [String] = []
        var ignored = 0
        while let relative = enumerator.nextObject() as? String {
            let name = relative.split(separator: "/").last.map(String.init) ?? relative
            let path = folder.hasSuffix("/") ? folder + relative : folder + "/" + relative
            var isDirectory: ObjCBool = false
            guard !name.hasPrefix("."), FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let fileExtension = name.split(separator: ".").count > 1 ? String(name.split(separator: ".").last!).lowercased() : ""
            if audioExtensions.contains(fileExtension) { audio.append(path) } else { ignored += 1 }
        }
        audio.sort()
        var items: [BatchItem] = []
        var paired = Set<String>()
        let available = Set(audio)
        for path in audio where !paired.contains(path) {
            let (stem, leg) = legOf(path)
            if let leg {
                let otherLeg = leg == .advisor ? "customer" : "advisor"
                let other = audio.first { $0 != path && legOf($0).stem == stem && legOf($0).leg?.rawValue == otherLeg }
                if let other, available.contains(other) {
                    paired.insert(other)
                    let (advisor, customer) = leg == .advisor ? (path, other) : (other, path)
                    let recording = CallRecording(source: .twoLeg(advisor: advisor, customer: customer))
                    items.append(BatchItem(recording: recording, metadata: CallMetadata(callId: recording.defaultCallId, sourcePath: Self.stored(advisor) + "|" + Self.stored(customer))))
                    continue
                }
                let recording = CallRecording(source: .file(path), monoParty: leg)
                items.append(BatchItem(recording: recording, metadata: CallMetadata(callId: recording.defaultCallId, sourcePath: Self.stored(path))))
                continue
            }
            let recording = CallRecording.file(path)
            items.append(BatchItem(recording: recording, metadata: CallMetadata(callId: recording.defaultCallId, sourcePath: Self.stored(path))))
        }
        return BatchSource(items: items, problems: [], ignoredFileCount: ignored)
    }

    /// Splits `…/NAME.advisor.EXT` into (`…/NAME`, `.advisor`).
    private static func legOf(_ path: String) -> (stem: String, leg: Party?) {
        var parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3 else { return (path, nil) }
        parts.removeLast()
        let marker = parts.removeLast().lowercased()
        switch marker {
        case "advisor": return (parts.joined(separator: "."), .advisor)
        case "customer": return (parts.joined(separator: "."), .customer)
        default: return (path, nil)
        }
    }

    // MARK: - Manifest

    /// Columns: `file, callId, agentId, team, startedAt, advisorChannel` (two-leg calls:
    /// `advisorFile, customerFile` instead of `file`). Header required, any column order, names
    /// case-insensitive. Paths are relative to the manifest's folder. A line that cannot be used is
    /// reported with its number; the others go on.
    static func readManifest(_ path: String) throws(BatchSourceError) -> BatchSource {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BatchSourceError(path: path, message: "cannot be read")
        }
        let rows = CSVReader.rows(String(decoding: data, as: UTF8.self))
        guard let header = rows.first else { throw BatchSourceError(path: path, message: "is empty") }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let known: Set<String> = ["file", "callid", "agentid", "team", "startedat", "advisorchannel", "advisorfile", "customerfile", "monoparty"]
        if let unknown = columns.first(where: { !known.contains($0) }) {
            throw BatchSourceError(path: path, message: "line 1: unknown column '\(unknown)' (expected file, callId, agentId, team, startedAt, advisorChannel, advisorFile, customerFile)")
        }
        guard columns.contains("file") || (columns.contains("advisorfile") && columns.contains("customerfile")) else {
            throw BatchSourceError(path: path, message: "line 1: needs a 'file' column, or 'advisorFile' and 'customerFile'")
        }
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        func resolve(_ file: String) -> String {
            file.hasPrefix("/") || folder.isEmpty ? file : folder + "/" + file
        }

        var items: [BatchItem] = []
        var problems: [FailureReport] = []
        var seenIds: [String: Int] = [:]
        for row in rows.dropFirst() {
            func problem(_ reason: String, callId: String? = nil) {
                problems.append(FailureReport(path: path, callId: callId, line: row.line, code: "manifest", reason: "line \(row.line): \(reason)"))
            }
            guard row.fields.count == columns.count else {
                problem("has \(row.fields.count) fields, the header has \(columns.count)")
                continue
            }
            var value: [String: String] = [:]
            for (column, field) in zip(columns, row.fields) {
                let trimmed = field.trimmingCharacters(in: .whitespaces)
                if !trimmed.isEmpty { value[column] = trimmed }
            }
            let source: CallRecording.Source
            let sourcePath: String
            if let file = value["file"] {
                source = .file(resolve(file))
                sourcePath = Self.stored(resolve(file))
            } else if let advisor = value["advisorfile"], let customer = value["customerfile"] {
                source = .twoLeg(advisor: resolve(advisor), customer: resolve(customer))
                sourcePath = Self.stored(resolve(advisor)) + "|" + Self.stored(resolve(customer))
            } else {
                problem("no 'file' (or 'advisorFile' and 'customerFile')")
                continue
            }
            var recording = CallRecording(source: source)
            let callId = value["callid"] ?? recording.defaultCallId
            if let missing = recording.paths.first(where: { !FileManager.default.fileExists(atPath: $0) }) {
                problem("file not found: \(missing)", callId: callId)
                continue
            }
            if let channel = value["advisorchannel"] {
                switch channel.lowercased() {
                case "0", "left": recording.advisorChannel = 0
                case "1", "right": recording.advisorChannel = 1
                default:
                    problem("advisorChannel '\(channel)' is not 0, 1, left or right", callId: callId)
                    continue
                }
                recording.requiresStereo = true
            }
            if let party = value["monoparty"] {
                guard let parsed = Party(rawValue: party.lowercased()) else {
                    problem("monoParty '\(party)' is not mixed, customer or advisor", callId: callId)
                    continue
                }
                recording.monoParty = parsed
            }
            var startedAt: String? = nil
            if let text = value["startedat"] {
                guard let normalised = Timestamp.normalise(text) else {
                    problem("startedAt '\(text)' is not an ISO 8601 date-time (e.g. 2026-11-22T14:03:00Z)", callId: callId)
                    continue
                }
                startedAt = normalised
            }
            if let first = seenIds[callId] {
                problem("callId '\(callId)' is already on line \(first)", callId: callId)
                continue
            }
            seenIds[callId] = row.line
            let metadata = CallMetadata(callId: callId, sourcePath: sourcePath, agentId: value["agentid"], team: value["team"], startedAt: startedAt)
            items.append(BatchItem(recording: recording, metadata: metadata, line: row.line))
        }
        return BatchSource(items: items, problems: problems, ignoredFileCount: 0)
    }
}

/// The batch's input could not be read at all.
public struct BatchSourceError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}
