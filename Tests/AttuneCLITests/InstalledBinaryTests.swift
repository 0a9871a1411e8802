import AttunePipeline
import AttuneTestSupport
import Foundation
import Testing

/// An installed or copied `attune`, run from a folder outside the repository, scores with the
/// model built into it (the same SHA-256 as models/default.json), and a model that is named but
/// cannot be read is refused (exit 3) rather than silently scoring nothing.
@Suite struct InstalledBinaryTests {
    static let defaultSha256 = try! LoadedModel.load(path: RepositoryPaths.defaultModel).sha256
    static let fixture = RepositoryPaths.fixtureCalls + "/calm-clean.flac"

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func analyzeFromAnotherFolderScoresWithTheBuiltInModel() throws {
        let run = try InstalledAttune.run(["analyze", "--json", Self.fixture], in: InstalledAttune.workingFolder())
        #expect(run.status == 0, "\(run.standardError)")
        let report = try Self.json(run.standardOutput)
        let model = report["model"] as? [String: Any]
        #expect(model?["sha256"] as? String == Self.defaultSha256, "model: \(String(describing: report["model"]))")
        #expect(model?["id"] as? String == "default")
        let scores = report["scores"] as? [String: Any]
        #expect((scores?["effort"] as? [String: Any])?["value"] is Double, "scores: \(String(describing: report["scores"]))")
    }

    @Test func batchFromAnotherFolderStoresScoredCalls() throws {
        let folder = InstalledAttune.workingFolder()
        let recordings = folder + "/recordings"
        try FileManager.default.createDirectory(atPath: recordings, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: recordings + "/call-1.flac")
        let batch = try InstalledAttune.run(["batch", "recordings", "--db", "results.db", "--jobs", "1"], in: folder)
        #expect(batch.status == 0, "\(batch.standardError)")
        let export = try InstalledAttune.run(["export", "--format", "jsonl", "--db", "results.db"], in: folder)
        #expect(export.status == 0, "\(export.standardError)")
        let lines = export.standardOutput.split(separator: "\n")
        #expect(lines.count == 1)
        let row = try Self.json(String(try #require(lines.first)))
        let report = try #require(row["report"] as? [String: Any])
        #expect((report["model"] as? [String: Any])?["sha256"] as? String == Self.defaultSha256, "stored without the model: \(String(describing: report["model"]))")
        #expect(report["scores"] is [String: Any], "stored without scores")
        if let call = row["call"] as? [String: Any], call.keys.contains("modelSha256") {
            #expect(call["modelSha256"] as? String == Self.defaultSha256)
        }
    }

    @Test func aNamedModelThatCannotBeReadIsRefused() throws {
        let folder = InstalledAttune.workingFolder()
        // --model: exit 3 (not a usage error), naming the file.
        let option = try InstalledAttune.run(["analyze", "--json", "--model", "missing.json", Self.fixture], in: folder)
        #expect(option.status == 3, "\(option.standardError)")
        #expect(option.standardError.contains("missing.json") && option.standardOutput.isEmpty, "\(option.standardError)")
        // $ATTUNE_MODEL naming no file: refused too, never a report without scores.
        let environment = try InstalledAttune.run(["analyze", "--json", Self.fixture], in: folder, environment: ["ATTUNE_MODEL": folder + "/gone.json"])
        #expect(environment.status == 3, "\(environment.standardError)")
        #expect(environment.standardError.contains("gone.json") && environment.standardError.contains("ATTUNE_MODEL"), "\(environment.standardError)")
        #expect(environment.standardOutput.isEmpty)
        // A malformed model names the file and the key.
        try #"{"id": "broken"}"#.write(toFile: folder + "/broken.json", atomically: true, encoding: .utf8)
        let broken = try InstalledAttune.run(["batch", folder, "--db", "results.db", "--model", "broken.json"], in: folder)
        #expect(broken.status == 3, "\(broken.standardError)")
        #expect(broken.standardError.contains("broken.json"), "\(broken.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/results.db"), "the store was opened before the model was refused")
        // --no-scores stays the explicit way to go without.
        let none = try InstalledAttune.run(["analyze", "--json", "--no-scores", Self.fixture], in: folder)
        #expect(none.status == 0, "\(none.standardError)")
        let unscored = try Self.json(none.standardOutput)
        #expect(unscored["scores"] == nil || unscored["scores"] is NSNull)
    }

    /// `$ATTUNE_MODEL` naming a readable model is used (relative to the working folder).
    @Test func environmentModelIsUsed() throws {
        let folder = InstalledAttune.workingFolder()
        let text = try String(contentsOfFile: RepositoryPaths.defaultModel, encoding: .utf8)
            .replacingOccurrences(of: #""version": "0.5.0""#, with: #""version": "0.5.0-test""#)
        try text.write(toFile: folder + "/centre.json", atomically: true, encoding: .utf8)
        let run = try InstalledAttune.run(["analyze", "--json", Self.fixture], in: folder, environment: ["ATTUNE_MODEL": "centre.json"])
        #expect(run.status == 0, "\(run.standardError)")
        let model = try Self.json(run.standardOutput)["model"] as? [String: Any]
        #expect(model?["version"] as? String == "0.5.0-test")
        #expect(model?["sha256"] as? String == (try LoadedModel.load(path: folder + "/centre.json").sha256))
    }
}
