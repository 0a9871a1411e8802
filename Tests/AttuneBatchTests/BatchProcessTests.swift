import AttuneAudioIO
import AttunePipeline
import AttuneScoring
@_spi(Inspection) import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// `attune batch` as a real child process: killed with SIGKILL mid-run, and over a folder of bad files.
@Suite(.serialized) struct BatchProcessTests {
    /// The built `attune` executable, beside the test bundle.
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("attune").path

    /// Writes `count` distinct 20 s stereo recordings (slices of the 8 kHz fixture calls at
    /// different offsets) into `directory`, readable by everyone.
    static func makeRecordings(_ count: Int, in directory: String) throws -> [String] {
        let sources = ["heated-clean", "heated-snr25", "heated-snr15", "heated-bleed", "heated-hum", "calm-clean", "calm-snr10", "calm-bleed"]
        let decoded = try sources.map { try LoadedRecording.load(FixtureTruth.load($0).recording()).samples }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(directory, 0o777)
        var paths: [String] = []
        for i in 0..<count {
            let samples = decoded[i % decoded.count]
            let offset = (i / decoded.count) * 2 * 8000 * 2  // 2 s steps, stereo
            let slice = Array(samples[offset..<min(samples.count, offset + 20 * 8000 * 2)])
            let path = "\(directory)/call-\(String(format: "%03d", i)).flac"
            try AudioFileWriter.write(slice, to: path, format: .flac16, sampleRateHz: 8000, channelCount: 2)
            paths.append(path)
        }
        return paths
    }

    /// A temporary folder every user may write (the batch may run as `nobody`).
    static func openDirectory(_ name: String) -> String {
        let directory = RepositoryPaths.temporaryDirectory(name)
        chmod(directory, 0o777)
        return directory
    }

    /// Runs `attune` with `arguments`; as `nobody` when the tests run as root (so that file
    /// permissions mean something). Returns the process, started.
    static func start(_ arguments: [String], asUnprivileged: Bool = false) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        if asUnprivileged && geteuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    /// The lines of a batch's standard error that report errors (`attune: error…`), each ending in
    /// a newline; its progress lines left out.
    static func errorLines<Text: StringProtocol>(in text: Text) -> String {
        text.split(separator: "\n").filter { $0.hasPrefix("attune: error") }.map { $0 + "\n" }.joined()
    }

    /// Reads a batch's progress lines from `errors` (started with `--log-interval 0.001`: a line
    /// per call) on a thread of its own, and kills the batch (SIGKILL) at the first line saying
    /// `done` calls or more are dealt with. Returns that count (nil when the batch ended first, or
    /// after `timeoutSeconds`, a generous deadline for a busy machine, without such a line) and
    /// the batch's error lines read meanwhile (`attune: error…`, for failure messages).
    static func kill(_ process: Process, errors: Pipe, whenDone done: Int, timeoutSeconds: Double = 120) async -> (killedAt: Int?, errorLines: String) {
        await onOwnThread {
            let descriptor = errors.fileHandleForReading.fileDescriptor
            let deadline = Date().addingTimeInterval(timeoutSeconds)
            var pending = "", buffer = [UInt8](repeating: 0, count: 4096), errorLines = ""
            while Date() < deadline {
                var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&waiting, 1, 1000) >= 0 else { break }
                guard waiting.revents != 0 else { continue }  // no line within the second: check the deadline
                let count = read(descriptor, &buffer, buffer.count)
                guard count > 0 else { break }  // the batch ended
                pending += String(decoding: buffer.prefix(count), as: UTF8.self)
                while let newline = pending.firstIndex(of: "\n") {
                    let line = pending[..<newline]
                    pending = String(pending[pending.index(after: newline)...])
                    errorLines += Self.errorLines(in: line)
                    guard let match = line.firstMatch(of: #/^progress: \[ *(\d+)\//#), let reached = Int(match.output.1), reached >= done else { continue }
                    Glibc.kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    return (reached, errorLines)
                }
            }
            process.waitUntilExit()
            return (nil, errorLines + Self.errorLines(in: pending))
        }
    }

    static func readAll(_ pipe: Pipe) -> String { String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }

    /// Every stored call is whole: its metric rows are all there, its segments, events, scores and
    /// contributions match its report; nothing points at a call that is not there.
    static func expectIntact(_ database: ResultsStore, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let orphans: Int? = try await database.value("""
            SELECT (SELECT COUNT(*) FROM segments WHERE callRowId NOT IN (SELECT id FROM calls))
                 + (SELECT COUNT(*) FROM events WHERE callRowId NOT IN (SELECT id FROM calls))
                 + (SELECT COUNT(*) FROM metrics WHERE callRowId NOT IN (SELECT id FROM calls))
                 + (SELECT COUNT(*) FROM scores WHERE callRowId NOT IN (SELECT id FROM calls))
                 + (SELECT COUNT(*) FROM contributions WHERE callRowId NOT IN (SELECT id FROM calls))
            """)
        #expect(orphans == 0, sourceLocation: sourceLocation)
        let counts = try await database.rows("""
            SELECT c.id, c.report,
                   (SELECT COUNT(*) FROM segments WHERE callRowId = c.id) AS segments, (SELECT COUNT(*) FROM events WHERE callRowId = c.id) AS events,
                   (SELECT COUNT(*) FROM metrics WHERE callRowId = c.id) AS metrics, (SELECT COUNT(*) FROM scores WHERE callRowId = c.id) AS scores,
                   (SELECT COUNT(*) FROM contributions WHERE callRowId = c.id) AS contributions
            FROM calls c
            """)
        for row in counts {
            let report = try JSONSerialization.jsonObject(with: Data((row["report"] as String).utf8)) as! [String: Any]
            #expect(row["segments"] as Int == (report["segments"] as! [Any]).count, sourceLocation: sourceLocation)
            #expect(row["events"] as Int == (report["events"] as! [Any]).count, sourceLocation: sourceLocation)
            #expect(row["metrics"] as Int == CallMetrics.fields.count + 2 * PartyMetrics.fields.count, "call-level and two parties' metrics", sourceLocation: sourceLocation)
            // Scored with the shipped model: one scores row and every contribution.
            let scores = try #require(report["scores"] as? [String: Any], sourceLocation: sourceLocation)
            let contributionCount = ["effort", "distress"].reduce(0) { $0 + (((scores[$1] as? [String: Any])?["contributions"] as? [Any])?.count ?? 0) }
            #expect(row["scores"] as Int == 1, sourceLocation: sourceLocation)
            #expect(row["contributions"] as Int == contributionCount, sourceLocation: sourceLocation)
        }
    }

    /// Killed (SIGKILL) several times mid-run and started again: every call stored exactly once,
    /// nothing half-written, no failures invented.
    @Test func killedAtAnyMomentAndRerunStoresEveryCallExactlyOnce() async throws {
        let directory = Self.openDirectory("attune-kill")
        // 160 calls: a kill lands some calls after the progress line that asks for it (the child
        // stores groups of calls while the line reaches this process): by up to 36 calls in the
        // full suite, and each kill starts from where the last one landed. With 60 the last kill
        // once found the night done (killed with [4, 16, 40, 60]); with 100 one run reached 80.
        let files = try Self.makeRecordings(160, in: directory + "/night")
        let db = directory + "/results.db"
        var killedWithCalls: [Int] = []
        let store = try await ResultsStore.open(db)
        // Each kill lands once this run has dealt with the calls stored before it (skipped) and
        // stored `delta` of its own, so it lands mid-run however the child is scheduled.
        for delta in [1, 8, 8, 8] {
            let storedBefore = try await store.callCount()
            let (process, _, errors) = try Self.start(["batch", directory + "/night", "--db", db, "--jobs", "2", "--log-interval", "0.001"])
            if await Self.kill(process, errors: errors, whenDone: storedBefore + delta).killedAt != nil {
                #expect(process.terminationReason == .uncaughtSignal)
                killedWithCalls.append(try await store.callCount())
            }
            let database = try await ResultsStore.open(db)
            try await Self.expectIntact(database)
        }
        print("killed with \(killedWithCalls) of \(files.count) calls stored")
        #expect(killedWithCalls.count >= 3, "kills must land mid-run: \(killedWithCalls)")
        #expect(killedWithCalls.allSatisfy { $0 < files.count })

        let (process, out, _) = try Self.start(["batch", directory + "/night", "--db", db, "--jobs", "2"])
        let output = Self.readAll(out)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        let database = try await ResultsStore.open(db)
        try await Self.expectIntact(database)
        let counts = try #require(try await database.rows("""
            SELECT (SELECT COUNT(*) FROM calls) AS calls, (SELECT COUNT(DISTINCT callId) FROM calls) AS distinctIds,
                   (SELECT COUNT(*) FROM failures) AS failures, (SELECT COUNT(*) FROM runs WHERE status = 'interrupted') AS interrupted
            """).first)
        let (calls, distinctIds, failures, interrupted): (Int, Int, Int, Int) = (counts["calls"], counts["distinctIds"], counts["failures"], counts["interrupted"])
        #expect(calls == files.count && distinctIds == files.count)
        #expect(failures == 0, "no failures invented by the kills")
        #expect(interrupted == killedWithCalls.count, "each killed run is marked interrupted")
        #expect(output.contains("already stored"))
    }

    /// Good files mixed with bad ones: every good one stored, every bad one listed with its
    /// reason, exit 1.
    /// Four workers on one folder, each with its own shard or all sharing it through the store's
    /// claims, SIGKILLed at seeded random moments and started again until each finishes: every
    /// call stored exactly once, nothing half-written, each bad file listed once.
    @Test(arguments: StoreKind.allCases, [false, true])
    func fourWorkersKilledAndRestartedStoreEveryCallOnce(_ kind: StoreKind, sharded: Bool) async throws {
        let directory = Self.openDirectory("attune-workers")
        let night = directory + "/night"
        let good = try Self.makeRecordings(40, in: night)
        let bad = try BadAudioFiles.make(in: RepositoryPaths.temporaryDirectory("attune-bad-source"))
        let badFiles = ["truncated.wav": "truncated data", "notes.wav": "text renamed .wav", "zero-length.wav": "empty file"]
        for (file, name) in badFiles { try FileManager.default.copyItem(atPath: bad.first { $0.name == name }!.path, toPath: night + "/" + file) }
        // Not opened here: the four workers create the store together, racing for its schema.
        let location = try TestStores.freshLocation(kind, name: "attune-workers-store")

        // Each worker is killed up to twice, at a seeded random point of its progress (once it has
        // dealt with 1 to 8 calls), then runs to the end.
        let outcomes = await withTaskGroup(of: (kills: Int, status: Int32, reason: Process.TerminationReason, errors: String).self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var random = SeededGenerator(seed: UInt64(100 + worker + (sharded ? 10 : 0)))
                    let arguments = ["batch", night, "--db", location, "--jobs", "1", "--log-interval", "0.001"] + (sharded ? ["--shard", "\(worker)/4"] : [])
                    var kills = 0
                    while true {
                        guard let (process, _, errors) = try? Self.start(arguments) else { return (kills, -1, .exit, "could not start") }
                        var errorLines = ""
                        if kills < 2 {
                            let outcome = await Self.kill(process, errors: errors, whenDone: Int.random(in: 1...8, using: &random))
                            if outcome.killedAt != nil {
                                kills += 1
                                continue
                            }
                            errorLines = outcome.errorLines
                        }
                        // Its progress lines are still read (on a thread of their own), so the pipe never fills.
                        let said = await onOwnThread { Self.readAll(errors) }
                        process.waitUntilExit()
                        // Its error lines (not its progress), for the failure message.
                        errorLines += Self.errorLines(in: said)
                        return (kills, process.terminationStatus, process.terminationReason, errorLines)
                    }
                }
            }
            var all: [(kills: Int, status: Int32, reason: Process.TerminationReason, errors: String)] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        let kills = outcomes.map(\.kills).reduce(0, +)
        print("\(kind) \(sharded ? "sharded" : "shared"): \(kills) kill(s), exits \(outcomes.map(\.status))")
        #expect(kills >= 2, "kills must land while workers run")
        #expect(outcomes.allSatisfy { $0.reason == .exit && ($0.status == 0 || $0.status == 1) }, "\(outcomes)")

        let store = try await ResultsStore.open(location)
        try await Self.expectIntact(store)
        let counts = try #require(try await store.rows("""
            SELECT (SELECT COUNT(*) FROM calls) AS calls, (SELECT COUNT(DISTINCT callId) FROM calls) AS distinctIds,
                   (SELECT COUNT(*) FROM claims WHERE failedAt IS NULL) AS openClaims
            """).first)
        #expect(counts["calls"] as Int == good.count && counts["distinctIds"] as Int == good.count, "every call stored once")
        #expect(counts["openClaims"] as Int == 0, "no claim left open once every worker has finished")
        let failures: [String] = try await store.column("SELECT path FROM failures ORDER BY path")
        #expect(failures == badFiles.keys.map { night + "/" + $0 }.sorted(), "each bad file listed once")
        await store.close()
    }

    /// Workers started together on a night all create its new store at once, each a process of
    /// its own: every opening waits for or finds the others' schema work. (A migration another
    /// process recorded first was once "UNIQUE constraint failed: grdb_migrations.identifier", and
    /// that worker exited with status 3; seen under load.) Six batches of an empty folder at once,
    /// on a new store, twenty times: every one exits 0.
    @Test(arguments: StoreKind.allCases) func batchesStartedTogetherAllOpenANewStore(_ kind: StoreKind) async throws {
        let night = Self.openDirectory("attune-opening-race")
        for round in 0..<20 {
            let location = try TestStores.freshLocation(kind, name: "attune-opening-race-store")
            let started = try (0..<6).map { _ in try Self.start(["batch", night, "--db", location]) }
            var failures: [String] = []
            for (process, _, errors) in started {
                let said = await onOwnThread { Self.readAll(errors) }
                process.waitUntilExit()
                if process.terminationStatus != 0 { failures.append("exit \(process.terminationStatus): \(said)") }
            }
            #expect(failures.isEmpty, "round \(round): \(failures)")
        }
    }

    @Test func badFilesAreListedWithTheirReasonAndTheRestIsStored() async throws {
        let directory = Self.openDirectory("attune-mixed")
        let night = directory + "/night"
        let good = try Self.makeRecordings(5, in: night)
        for path in good { chmod(path, 0o644) }
        let bad = try BadAudioFiles.make(in: RepositoryPaths.temporaryDirectory("attune-bad-source"))
        func copy(_ name: String, to file: String) throws {
            try FileManager.default.copyItem(atPath: bad.first { $0.name == name }!.path, toPath: night + "/" + file)
            chmod(night + "/" + file, 0o644)
        }
        try copy("empty file", to: "zero-length.wav")
        try copy("truncated data", to: "truncated.wav")
        try copy("text renamed .wav", to: "notes.wav")
        // A WAV with a header and no samples.
        try AudioFileWriter.write([], to: night + "/no-samples.wav", format: .wavPCM16, sampleRateHz: 8000, channelCount: 2)
        chmod(night + "/no-samples.wav", 0o644)
        try FileManager.default.copyItem(atPath: good[0], toPath: night + "/locked.flac")
        chmod(night + "/locked.flac", 0o000)  // unreadable (the batch runs as nobody when tests run as root)
        try "not a recording".write(toFile: night + "/README.txt", atomically: true, encoding: .utf8)

        let db = directory + "/results.db"
        let (process, out, err) = try Self.start(["batch", night, "--db", db, "--jobs", "2"], asUnprivileged: true)
        let output = Self.readAll(out), errors = Self.readAll(err)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "some files failed: exit 1\n\(output)\n\(errors)")
        let failedLines = errors.split(separator: "\n").filter { $0.hasPrefix("attune: failed: ") }
        #expect(failedLines.count == 5, "\(errors)")
        for (file, reason) in [("zero-length.wav", "empty"), ("truncated.wav", "truncated"), ("notes.wav", "not an audio file"),
                               ("no-samples.wav", "no audio samples"), ("locked.flac", "cannot be read")] {
            #expect(failedLines.contains { $0.contains(night + "/" + file) && $0.contains(reason) }, "\(file): \(reason)\n\(errors)")
        }
        #expect(output.contains("1 file(s) ignored"))
        let database = try await ResultsStore.open(db)
        #expect(try await database.callCount() == 5)
        let failures: [String] = try await database.column("SELECT path FROM failures ORDER BY path")
        #expect(failures.count == 5)
    }
}
