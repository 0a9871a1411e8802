import AttuneAudioIO
import AttunePipeline
import AttuneScoring
import AttuneTestSupport
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `attune serve` as a real process: a bad configuration, an unknown key or an unreadable model is
/// refused naming the file; relative paths in the configuration are relative to its folder; the
/// start-up log names the store, the model and the listener; SIGINT stops the server promptly even
/// with a desktop subscription open, and a call streaming at that moment is ended and stored.
@Suite struct ServeCommandTests {
    @Test func badConfigurationIsRefusedNamingTheFile() throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-serve")
        let path = directory + "/serve.json"
        try #"{ "port": 0, "tokens": [ { "token": "short", "role": "advisor", "agentId": "a" } ] }"#.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try AnalyzeCommandTests.run(["serve", "--config", path])
        #expect(run.status == 3)
        #expect(run.standardError.contains(path) && run.standardError.contains("tokens[0]"), "\(run.standardError)")
    }

    /// A started `attune serve`: the process, the port it bound and its log (stderr) so far.
    struct Server {
        var process: Process
        var port: Int
        var log: ServerLog
    }

    /// `attune serve --config FOLDER/serve.json` as a process with this configuration, once its
    /// start-up log says where it listens. `installed`: the installed copy of the binary, run in
    /// `workingFolder` (default: a fresh folder outside the repository).
    static func startServer(
        configuration: String, in configurationFolder: String? = nil, arguments: [String] = [], installed: Bool = false,
        workingFolder: String? = nil, environment: [String: String] = [:]
    ) throws -> Server {
        let directory = configurationFolder ?? RepositoryPaths.temporaryDirectory("attune-serve")
        let path = directory + "/serve.json"
        try configuration.write(toFile: path, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: installed ? InstalledAttune.binary : AnalyzeCommandTests.binary)
        process.arguments = ["serve", "--config", path] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: workingFolder ?? InstalledAttune.workingFolder())
        process.environment = InstalledAttune.environment(environment)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        // The log is read to its end as it comes (a full pipe would stall the server's next line).
        let log = ServerLog(reading: errors)
        try process.run()
        // The start-up line "listening … url=http://127.0.0.1:PORT"; generous: the machine may be busy.
        let started = log.wait { $0.contains("listening") && $0.firstMatch(of: #/url=https?://127\.0\.0\.1:(\d+)/#) != nil }
        if let started, let match = started.firstMatch(of: #/url=https?://127\.0\.0\.1:(\d+)/#), let port = Int(match.output.1) {
            return Server(process: process, port: port, log: log)
        }
        if process.isRunning { process.terminate() }
        throw ServerDidNotStart(log: log.contents)
    }

    struct ServerDidNotStart: Error { var log: String }

    /// Sends SIGINT and waits until the server has exited (a generous 30 s deadline: a server that
    /// hangs on shutdown never exits), with status 0.
    static func interruptAndWait(_ process: Process) {
        kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!process.isRunning, "attune serve still running 30 s after SIGINT")
        if !process.isRunning { #expect(process.terminationStatus == 0) }
    }

    @Test func sigintStopsTheServerWithASubscriberConnected() throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-serve")
        let server = try Self.startServer(configuration: """
            { "host": "127.0.0.1", "port": 0, "database": "\(directory)/live.db", "model": "\(RepositoryPaths.defaultModel)",
              "tokens": [ { "token": "supervisor-north-0123456789abcdef", "role": "supervisor", "team": "north" } ] }
            """)
        let (process, port) = (server.process, server.port)
        defer { if process.isRunning { process.terminate() } }
        // A wall subscription that stays open.
        let socket = RawHTTPRequest.open(port: port, path: "/v1/live/wall/events", token: "supervisor-north-0123456789abcdef")
        #expect(socket >= 0)
        defer { close(socket) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let received = recv(socket, &buffer, buffer.count, 0)
        #expect(received > 0 && String(decoding: buffer.prefix(max(0, received)), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        Self.interruptAndWait(process)
    }

    /// SIGINT during a call: the client is told the server is going away (1001), the call ends
    /// with the audio received so far, and its report is in the store when the server has exited.
    @Test func sigintEndsAStreamingCallAndStoresIt() async throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-serve-ingest")
        let database = directory + "/live.db"
        let token = "ingest-token-0123456789abcdef"
        let server = try Self.startServer(configuration: """
            { "host": "127.0.0.1", "port": 0, "database": "\(database)", "model": "\(RepositoryPaths.defaultModel)",
              "live": { "idleSeconds": 3600 }, "tokens": [ { "token": "\(token)", "role": "ingest" } ] }
            """)
        let process = server.process
        defer { if process.isRunning { process.terminate() } }
        let log = server.log
        // A raw socket: the server's close frame and code are read exactly, however soon the
        // server drops the connection after it. The start and audio go out on the socket's own
        // thread right after the upgrade, and the idle rule (tested on a test clock elsewhere)
        // is set beyond the test: a busy machine may not run this test's task for a minute.
        let start = RawWebSocket.textFrame(#"{"type":"start","callId":"sigint-call","agentId":"alice","team":"north","sampleRateHz":8000,"encoding":"PCMU","channels":["advisor","customer"]}"#)
        let audio = Array(repeating: RawWebSocket.frame(opcode: 0x2, [UInt8](repeating: 0xFF, count: 320)[...]), count: 200)
        let socket = await RawWebSocket.open(port: server.port, path: "/v1/ingest/native", token: token, thenSending: [start] + audio)
        try #require(socket >= 0)
        defer { close(socket) }
        // Interrupt the server mid-call, once it has started the call (its log says so): no
        // fixed wait, however busy the machine.
        let started = await log.waitAsync { $0.contains("call started") && $0.contains("callId=sigint-call") }
        #expect(started != nil, "the server did not log the call's start: \(log.contents.suffix(2000))")
        kill(process.processIdentifier, SIGINT)
        let read = await RawWebSocket.readUntilClose(socket)
        #expect(read.closeCode == 1001, "close code \(String(describing: read.closeCode)) \(read.closeReason)")
        Self.interruptAndWait(process)
        let export = try AnalyzeCommandTests.run(["export", "--format", "jsonl", "--db", database])
        #expect(export.status == 0)
        #expect(export.standardOutput.contains("sigint-call"), "the interrupted call was not stored: \(export.standardOutput.prefix(300))")
    }

    /// `"tls"` in the configuration: the server listens with HTTPS (its log says so) and SIGHUP
    /// reloads the certificate, keeping the old one when the new files are bad.
    @Test func tlsIsServedAndSighupReloadsTheCertificate() throws {
        let folder = RepositoryPaths.temporaryDirectory("attune-serve-tls")
        let made = try TestCertificates.make(in: folder, name: "serve")
        let server = try Self.startServer(configuration: """
            { "host": "127.0.0.1", "port": 0, "database": null,
              "tls": { "certificate": "serve-server.pem", "privateKey": "serve-server.key" } }
            """, in: folder)
        let process = server.process
        defer { if process.isRunning { process.terminate() } }
        #expect(server.log.contents.contains("url=https://127.0.0.1:\(server.port)"), "\(server.log.contents)")
        kill(process.processIdentifier, SIGHUP)
        #expect(server.log.wait { $0.contains("TLS certificate reloaded") } != nil, "\(server.log.contents)")
        try "broken".write(toFile: made.serverCertificate, atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        #expect(server.log.wait { $0.contains("TLS certificate not reloaded") && $0.contains(made.serverCertificate) } != nil, "\(server.log.contents)")
        #expect(process.isRunning)
        Self.interruptAndWait(process)
    }

    // MARK: configuration files (issue 14, items 1 and 2)

    /// A key the configuration does not know, at any level, is refused naming the key and the
    /// file (exit 3); nothing is started and no store is created.
    @Test func unknownKeysAreRefusedNamingTheKeyAndTheFile() throws {
        let cases: [(json: String, key: String)] = [
            (#"{ "port": 0, "databse": "typo.db" }"#, "databse"),
            (#"{ "port": 0, "live": { "idleSecond": 5 } }"#, "live.idleSecond"),
            (#"{ "port": 0, "tokens": [ { "token": "ingest-0123456789abcdef", "role": "ingest", "teams": "north" } ] }"#, "tokens[0].teams"),
            (#"{ "port": 0, "audioHook": { "apiKey": "audiohook-key-0123456789", "clientSecrets": "c2VjcmV0" } }"#, "audioHook.clientSecrets"),
            (#"{ "port": 0, "settings": { "turns.deadAirMinimumSecond": 3 } }"#, "turns.deadAirMinimumSecond"),
        ]
        for (json, key) in cases {
            let folder = RepositoryPaths.temporaryDirectory("attune-serve-keys")
            let path = folder + "/serve.json"
            try json.write(toFile: path, atomically: true, encoding: .utf8)
            let working = InstalledAttune.workingFolder()
            let run = try InstalledAttune.run(["serve", "--config", path], in: working, seconds: 60)
            #expect(run.status == 3, "\(key): \(run.standardError)")
            #expect(run.standardError.contains(path) && run.standardError.contains(key), "\(key): \(run.standardError)")
            for store in [working + "/attune-results.db", folder + "/attune-results.db", folder + "/typo.db"] {
                #expect(!FileManager.default.fileExists(atPath: store), "\(key): \(store) was created")
            }
        }
        // The likely key is suggested.
        let folder = RepositoryPaths.temporaryDirectory("attune-serve-keys")
        try #"{ "databse": "typo.db" }"#.write(toFile: folder + "/serve.json", atomically: true, encoding: .utf8)
        let run = try InstalledAttune.run(["serve", "--config", folder + "/serve.json"], in: folder, seconds: 60)
        #expect(run.standardError.contains(#"did you mean "database""#), "\(run.standardError)")
    }

    /// The example configuration is accepted as printed (no unknown keys, no file it needs).
    @Test func printedExampleIsAValidConfiguration() throws {
        let folder = InstalledAttune.workingFolder()
        let example = try InstalledAttune.run(["serve", "--print-config-example"], in: folder)
        #expect(example.status == 0)
        let server = try Self.startServer(configuration: example.standardOutput, in: folder, arguments: ["--port", "0"], installed: true)
        defer { if server.process.isRunning { server.process.terminate() } }
        #expect(FileManager.default.fileExists(atPath: folder + "/attune-results.db"))
        Self.interruptAndWait(server.process)
    }

    /// An installed binary started in one folder with a configuration in another: the relative
    /// `database` and `model` of the file are found beside it, and the call is scored with that
    /// model and stored there.
    @Test func relativePathsAreRelativeToTheConfigurationsFolder() async throws {
        let configurationFolder = RepositoryPaths.temporaryDirectory("attune-serve-config")
        let working = InstalledAttune.workingFolder()
        try FileManager.default.createDirectory(atPath: configurationFolder + "/models", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: configurationFolder + "/calls", withIntermediateDirectories: true)
        let text = try String(contentsOfFile: RepositoryPaths.defaultModel, encoding: .utf8)
            .replacingOccurrences(of: #""version": "0.5.0""#, with: #""version": "0.5.0-centre""#)
        try text.write(toFile: configurationFolder + "/models/centre.json", atomically: true, encoding: .utf8)
        let centre = try LoadedModel.load(path: configurationFolder + "/models/centre.json")
        let token = "ingest-token-0123456789abcdef"
        let server = try Self.startServer(
            configuration: """
                { "host": "127.0.0.1", "port": 0, "database": "calls/live.db", "model": "models/centre.json",
                  "live": { "idleSeconds": 3600 }, "tokens": [ { "token": "\(token)", "role": "ingest" } ] }
                """,
            in: configurationFolder, installed: true, workingFolder: working)
        defer { if server.process.isRunning { server.process.terminate() } }
        let store = configurationFolder + "/calls/live.db"
        #expect(FileManager.default.fileExists(atPath: store), "no store beside the configuration: \(server.log.contents)")
        #expect(server.log.contents.contains("path=\(store)"), "\(server.log.contents)")
        #expect(server.log.contents.contains("sha256=\(centre.sha256)") && server.log.contents.contains("version=0.5.0-centre"), "\(server.log.contents)")
        let log = server.log
        let start = RawWebSocket.textFrame(#"{"type":"start","callId":"relative-call","agentId":"alice","team":"north","sampleRateHz":8000,"encoding":"PCMU","channels":["advisor","customer"]}"#)
        let audio = Array(repeating: RawWebSocket.frame(opcode: 0x2, [UInt8](repeating: 0xFF, count: 320)[...]), count: 100)
        let socket = await RawWebSocket.open(port: server.port, path: "/v1/ingest/native", token: token, thenSending: [start] + audio + [RawWebSocket.textFrame(#"{"type":"stop"}"#)])
        try #require(socket >= 0)
        defer { close(socket) }
        let ended = await log.waitAsync { $0.contains("call ended") && $0.contains("stored=true") }
        #expect(ended != nil, "the call was not stored: \(log.contents.suffix(2000))")
        Self.interruptAndWait(server.process)
        #expect(try FileManager.default.contentsOfDirectory(atPath: working).isEmpty, "files written in the working folder")
        let export = try InstalledAttune.run(["export", "--format", "jsonl", "--db", store], in: working)
        #expect(export.status == 0, "\(export.standardError)")
        #expect(export.standardOutput.contains("relative-call") && export.standardOutput.contains(centre.sha256), "\(export.standardOutput.prefix(300))")
    }

    /// The start-up log says where finished calls go, which model scores them and what the listener
    /// serves; with no `model` key the installed binary scores with its built-in model.
    @Test func startupLogNamesTheStoreTheModelAndTheListener() throws {
        let folder = RepositoryPaths.temporaryDirectory("attune-serve-log")
        let server = try Self.startServer(configuration: #"{ "port": 0, "database": "calls.db" }"#, in: folder, installed: true)
        defer { if server.process.isRunning { server.process.terminate() } }
        let log = server.log.contents
        let builtIn = try LoadedModel.load(path: RepositoryPaths.defaultModel)
        #expect(log.contains("results store") && log.contains("path=\(folder)/calls.db"), "\(log)")
        #expect(log.contains("scoring model") && log.contains("id=default") && log.contains("version=\(builtIn.model.version)"), "\(log)")
        #expect(log.contains("sha256=\(builtIn.sha256)") && log.contains("path=(built in)"), "\(log)")
        #expect(log.contains("listening") && log.contains("url=http://127.0.0.1:\(server.port)"), "\(log)")
        for endpoint in ["/v1/ingest/native", "/v1/ingest/twilio", "/v1/ingest/audiohook", "/v1/live/calls", "/desktop", "/wall", "/metrics"] {
            #expect(log.contains(endpoint), "the listener line does not say it serves \(endpoint): \(log)")
        }
        Self.interruptAndWait(server.process)
    }

    /// The store: --db over the configuration's `database`, which is over `$ATTUNE_DB` (null
    /// included), which is over the default.
    @Test func theStoreComesFromTheFlagTheConfigurationOrATTUNE_DB() throws {
        let folder = RepositoryPaths.temporaryDirectory("attune-serve-store")
        func storePath(_ configuration: String, arguments: [String] = [], environment: [String: String] = [:]) throws -> String {
            let server = try Self.startServer(configuration: configuration, in: folder, arguments: arguments, workingFolder: folder, environment: environment)
            defer { if server.process.isRunning { server.process.terminate() } }
            let log = server.log.contents
            Self.interruptAndWait(server.process)
            if log.contains("results store: none") { return "none" }
            let line = log.split(separator: "\n").first { $0.contains("results store") } ?? ""
            return line.firstMatch(of: #/path=(\S+)/#).map { String($0.output.1) } ?? "not logged: \(log)"
        }
        let variable = ["ATTUNE_DB": folder + "/from-variable.db"]
        #expect(try storePath(#"{ "port": 0 }"#, environment: variable) == folder + "/from-variable.db")
        #expect(try storePath(#"{ "port": 0, "database": "from-file.db" }"#, environment: variable) == folder + "/from-file.db")
        #expect(try storePath(#"{ "port": 0, "database": null }"#, environment: variable) == "none")
        #expect(try storePath(#"{ "port": 0, "database": "from-file.db" }"#, arguments: ["--db", folder + "/from-flag.db"], environment: variable) == folder + "/from-flag.db")
        #expect(try storePath(#"{ "port": 0 }"#) == folder + "/attune-results.db")
        #expect(FileManager.default.fileExists(atPath: folder + "/from-variable.db") && FileManager.default.fileExists(atPath: folder + "/from-flag.db"))
    }

    /// `"database": null` and `"model": null` (or --no-scores) are said at start-up, not guessed.
    @Test func startupLogSaysWhenNothingIsStoredOrScored() throws {
        let server = try Self.startServer(configuration: #"{ "port": 0, "database": null, "model": null }"#, installed: true)
        defer { if server.process.isRunning { server.process.terminate() } }
        #expect(server.log.contents.contains("results store: none"), "\(server.log.contents)")
        #expect(server.log.contents.contains("scoring model: none (no scores)"), "\(server.log.contents)")
        Self.interruptAndWait(server.process)
        let flag = try Self.startServer(configuration: #"{ "port": 0, "database": null }"#, arguments: ["--no-scores"], installed: true)
        defer { if flag.process.isRunning { flag.process.terminate() } }
        #expect(flag.log.contents.contains("scoring model: none (no scores)"), "\(flag.log.contents)")
        Self.interruptAndWait(flag.process)
    }

    /// A model named by the configuration (relative to it) or by --model that cannot be read is
    /// refused at start-up (exit 3), naming it; the server does not run without scores.
    @Test func unreadableModelIsRefused() throws {
        let folder = RepositoryPaths.temporaryDirectory("attune-serve-model")
        let path = folder + "/serve.json"
        try #"{ "port": 0, "database": "live.db", "model": "missing.json" }"#.write(toFile: path, atomically: true, encoding: .utf8)
        let configured = try InstalledAttune.run(["serve", "--config", path], in: InstalledAttune.workingFolder(), seconds: 60)
        #expect(configured.status == 3, "\(configured.standardError)")
        #expect(configured.standardError.contains(folder + "/missing.json") && configured.standardError.contains(path), "\(configured.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/live.db"))
        try #"{ "port": 0, "database": "live.db" }"#.write(toFile: path, atomically: true, encoding: .utf8)
        let option = try InstalledAttune.run(["serve", "--config", path, "--model", "nowhere.json"], in: InstalledAttune.workingFolder(), seconds: 60)
        #expect(option.status == 3, "\(option.standardError)")
        #expect(option.standardError.contains("nowhere.json") && option.standardError.contains("--model"), "\(option.standardError)")
    }
}
