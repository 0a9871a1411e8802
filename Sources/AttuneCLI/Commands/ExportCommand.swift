import ArgumentParser
import AttuneBatch
import AttuneStore
import Foundation

/// `attune export`: calls with their metrics (and scores) for spreadsheets and BI tools.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the stored calls, with their metrics, as CSV (one row per call) or JSON Lines.",
        discussion: "CSV columns: call metadata, then call metrics, then advisor.*, customer.* and mixed.* metrics (empty when unknown)."
    )

    @Option(help: "csv or jsonl.")
    var format: Format

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case csv, jsonl
        var exportFormat: ExportFormat { ExportFormat(rawValue: rawValue)! }
    }

    @Option(help: ArgumentHelp("Only calls that took place (or, without a start time, were analysed) on or after this ISO 8601 date or date-time.", valueName: "date"))
    var since: String?

    @OptionGroup var store: StoreOption

    @Option(help: ArgumentHelp("Write here instead of standard output.", valueName: "file"))
    var out: String?

    func validate() throws {
        if let since, Timestamp.normalise(since) == nil { throw ValidationError("--since expects an ISO 8601 date or date-time, e.g. 2026-11-22") }
        try store.requireExisting()
    }

    func run() async throws {
        let database: ResultsStore
        // Read-only: a store on read-only media, or in a folder this user cannot write, exports too.
        do { database = try await ResultsStore.openReadOnly(store.location) } catch {
            printError("attune: error: \(error)")
            throw ExitCode(3)
        }
        let handle: FileHandle
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: nil), let opened = FileHandle(forWritingAtPath: out) else {
                printError("attune: error: \(out): cannot be written")
                throw ExitCode(3)
            }
            handle = opened
        } else {
            handle = FileHandle.standardOutput
        }
        do {
            let count = try await database.export(format: format.exportFormat, since: since.flatMap(Timestamp.normalise)) { line in
                handle.write(Data(line.utf8))
            }
            if out != nil { print("\(count) call(s) written to \(out!)") }
        } catch {
            printError("attune: error: \(error)")
            throw ExitCode(3)
        }
    }
}
