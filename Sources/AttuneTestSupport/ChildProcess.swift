import Foundation

/// Runs a program to its end for a test: its output goes to files (no pipe can fill up and
/// stall it), and a run still going after `seconds` (generous: a busy machine) is ended and
/// reported with status -1, so a command expected to stop cannot hang the suite.
public enum ChildProcess {
    /// A finished run.
    public struct Result: Sendable {
        /// The exit status; -1 when it was still running at the deadline and was ended.
        public var status: Int32
        public var standardOutput: String
        public var standardError: String

        public init(status: Int32, standardOutput: String, standardError: String) {
            self.status = status
            self.standardOutput = standardOutput
            self.standardError = standardError
        }
    }

    /// Runs `executable` with `arguments` in `folder` (nil: this process's), with `environment`
    /// (nil: this process's), for at most `seconds` (nil: no limit). Blocks the calling thread:
    /// from async code that shares the cooperative pool with a server under test, wrap it in
    /// `onOwnThread`.
    public static func run(
        _ executable: String, _ arguments: [String], in folder: String? = nil, environment: [String: String]? = nil,
        seconds: Double? = 300
    ) throws -> Result {
        let outputs = RepositoryPaths.temporaryDirectory("attune-run")
        let out = outputs + "/stdout", err = outputs + "/stderr"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        if let environment { process.environment = environment }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let finished = seconds.map { exited.wait(timeout: .now() + $0) == .success } ?? { exited.wait(); return true }()
        if !finished {
            process.terminate()
            process.waitUntilExit()
        }
        return Result(
            status: finished ? process.terminationStatus : -1,
            standardOutput: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
}
