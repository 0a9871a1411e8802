import AttuneAudioIO
import AttuneTestSupport
import Foundation
import Testing

/// The `attune` binary end to end: exit codes, one-line reasons naming the file, JSON on stdout.
@Suite struct AnalyzeCommandTests {
    /// The built `attune` executable, beside the test bundle.
    static let binary: String = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundle.appendingPathComponent("attune").path
    }()

    typealias Run = ChildProcess.Result

    static func run(_ arguments: [String]) throws -> Run { try ChildProcess.run(binary, arguments) }

    @Test func analyzesAFixtureToJSON() throws {
        let result = try Self.run(["analyze", "--json", RepositoryPaths.fixtureCalls + "/calm-clean.flac"])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        #expect(object?["schema"] as? String == "attune.call/1")
        #expect(object?["callId"] as? String == "calm-clean")
        #expect(object?["channelLayout"] as? String == "stereo")
        let metrics = object?["metrics"] as? [String: Any]
        #expect((metrics?["advisor"] as? [String: Any])?["talkSeconds"] as? Double ?? 0 > 10)
    }

    @Test func monoReportsUnknownPerPartyMetricsAsNull() throws {
        let result = try Self.run(["analyze", "--json", RepositoryPaths.fixtureCalls + "/calm-mono.flac"])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        #expect(object?["channelLayout"] as? String == "mono")
        let metrics = try #require(object?["metrics"] as? [String: Any])
        #expect(metrics["advisor"] is NSNull && metrics["customer"] is NSNull)
        #expect(metrics["overtalkSeconds"] is NSNull)
        #expect(metrics["deadAirSeconds"] as? Double ?? 0 > 3)
        #expect((metrics["mixed"] as? [String: Any])?["talkSeconds"] as? Double ?? 0 > 20)
    }

    @Test func summaryShowsTheTimelineAndEvents() throws {
        let result = try Self.run(["analyze", RepositoryPaths.fixtureCalls + "/heated-clean.flac"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("Timeline"))
        #expect(result.standardOutput.contains("interruption by customer"))
        #expect(result.standardOutput.contains("raised voice, customer"))
    }

    /// Each bad input: exit 1, one line on stderr that names the file, nothing on stdout.
    @Test func badInputsFailWithAReasonNamingTheFile() throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-cli")
        var cases = try BadAudioFiles.make(in: directory).map { ($0.name, $0.path) }
        let slow = directory + "/slow.wav"
        try AudioFileWriter.write([Float](repeating: 0.1, count: 4000), to: slow, format: .wavPCM16, sampleRateHz: 4000, channelCount: 1)
        cases.append(("4 kHz sample rate", slow))
        for (name, path) in cases {
            let result = try Self.run(["analyze", "--json", path])
            #expect(result.status == 1, "\(name): exit \(result.status)")
            #expect(result.standardOutput.isEmpty, "\(name)")
            let lines = result.standardError.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("attune: error: \(path): "), "\(name): \(result.standardError)")
        }
        let mono = try Self.run(["analyze", "--require-stereo", RepositoryPaths.fixtureCalls + "/calm-mono.flac"])
        #expect(mono.status == 1 && mono.standardError.contains("is mono"))
    }

    @Test func usageErrorsExitWith64() throws {
        #expect(try Self.run(["analyze"]).status == 64)
        #expect(try Self.run(["analyze", "a.wav", "--advisor", "b.wav", "--customer", "c.wav"]).status == 64)
        #expect(try Self.run(["analyze", "--set", "turns.noSuchThing=3", RepositoryPaths.fixtureCalls + "/calm-clean.flac"]).status == 64)
        #expect(try Self.run(["analyze", "--advisor-channel", "2", RepositoryPaths.fixtureCalls + "/calm-clean.flac"]).status == 64)
    }

    @Test func deadAirThresholdIsConfigurable() throws {
        let file = RepositoryPaths.fixtureCalls + "/heated-clean.flac"
        func deadAirCount(_ extra: [String]) throws -> Int {
            let result = try Self.run(["analyze", "--json"] + extra + [file])
            let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
            return (object?["events"] as? [[String: Any]] ?? []).filter { $0["type"] as? String == "deadAir" }.count
        }
        // The heated call has dead airs of 4.5 s and 6 s: a 5 s threshold keeps one.
        #expect(try deadAirCount([]) == 2)
        #expect(try deadAirCount(["--set", "turns.deadAirMinimumSeconds=5"]) == 1)
    }

    @Test func configListsEverySettingWithUnitAndDefault() throws {
        let result = try Self.run(["config"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("turns.deadAirMinimumSeconds"))
        #expect(result.standardOutput.contains("3 s"))
        let json = try Self.run(["config", "--json", "--set", "spikes.thresholdDb=12"])
        let object = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Double]
        #expect(object?["spikes.thresholdDb"] == 12)
        #expect(object?.count ?? 0 >= 25)
    }
}
