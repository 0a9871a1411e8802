import AttuneTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `attune` as a user who installed it runs it: the built binary linked (or copied) into a folder
/// outside the repository, started from another folder outside it, with no `$ATTUNE_MODEL`. (The
/// binary in `.build/debug` would still find the repository beside it.)
enum InstalledAttune {
    /// The installed binary: a hard link to the built one (a copy where linking fails).
    static let binary: String = {
        let folder = RepositoryPaths.temporaryDirectory("attune-installed") + "/bin"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let installed = folder + "/attune"
        if link(AnalyzeCommandTests.binary, installed) != 0 {
            try? FileManager.default.copyItem(atPath: AnalyzeCommandTests.binary, toPath: installed)
        }
        return installed
    }()

    /// The environment children get: this process's, without `$ATTUNE_MODEL` and `$ATTUNE_DB`, plus `extra`.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["ATTUNE_MODEL"] = nil
        environment["ATTUNE_DB"] = nil
        environment.merge(extra) { $1 }
        return environment
    }

    /// Runs the installed binary in `folder` to the end (`ChildProcess`): status -1 when it was
    /// still going after `seconds`, so a command expected to refuse cannot hang the suite when it
    /// starts instead (a server accepting a bad configuration).
    static func run(_ arguments: [String], in folder: String, environment extra: [String: String] = [:], seconds: Double = 300) throws -> AnalyzeCommandTests.Run {
        try ChildProcess.run(binary, arguments, in: folder, environment: environment(extra), seconds: seconds)
    }

    /// A folder outside the repository to run in.
    static func workingFolder() -> String { RepositoryPaths.temporaryDirectory("attune-elsewhere") }
}

/// A server's log as it is written: appended from the pipe's reader, waited on by the tests.
final class ServerLog: @unchecked Sendable {
    // @unchecked: `text` and `ended` are only touched under `condition`.
    private let condition = NSCondition()
    private var text = ""
    private var ended = false

    /// Reads `pipe` to its end into this log (the server never blocks on a full pipe).
    init(reading pipe: Pipe) {
        pipe.fileHandleForReading.readabilityHandler = { [self] handle in
            let data = handle.availableData
            condition.lock()
            if data.isEmpty {
                ended = true
                handle.readabilityHandler = nil
            } else {
                text += String(decoding: data, as: UTF8.self)
            }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Everything logged so far.
    var contents: String {
        condition.lock()
        defer { condition.unlock() }
        return text
    }

    /// Waits until `holds` is true of the log, the log ends (the server exited) or `seconds` pass;
    /// the log then, when `holds` is true of it.
    func wait(seconds: Double = 120, until holds: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !holds(text), !ended, Date() < deadline { _ = condition.wait(until: deadline) }
        return holds(text) ? text : nil
    }

    /// `wait` without blocking a thread of the cooperative pool: the wait runs on a thread of its
    /// own and ends when the log changes in a way that makes `holds` true (no polling).
    func waitAsync(seconds: Double = 120, until holds: @escaping @Sendable (String) -> Bool) async -> String? {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.wait(seconds: seconds, until: holds)) }.start()
        }
    }
}
