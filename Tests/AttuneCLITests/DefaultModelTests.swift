import AttunePipeline
import AttuneScoring
import AttuneTestSupport
import Foundation
import Testing

/// The model built into `attune` (`DefaultModel`) is `models/default.json`, byte for byte, and
/// `attune --version` names it with the engine and the build.
@Suite struct DefaultModelTests {
    /// If this fails, models/default.json changed: run Scripts/embed-default-model.sh and rebuild.
    @Test func builtInModelIsTheRepositoryModelByteForByte() throws {
        let file = try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.defaultModel))
        #expect(DefaultModel.bytes == Array(file), "the built-in model differs from models/default.json: run Scripts/embed-default-model.sh")
        let builtIn = try DefaultModel.load()
        let loaded = try LoadedModel.load(path: RepositoryPaths.defaultModel)
        #expect(builtIn.sha256 == loaded.sha256)
        #expect(builtIn.model == loaded.model)
        #expect(builtIn.path == "(built in)")
    }

    /// The script regenerates exactly the committed Swift file (so the comment's recipe works).
    @Test func embeddingScriptReproducesTheCompiledInCopy() throws {
        let output = RepositoryPaths.temporaryDirectory("attune-embed") + "/DefaultModel.swift"
        let run = try ChildProcess.run("/bin/bash", [RepositoryPaths.root + "/Scripts/embed-default-model.sh", output])
        #expect(run.status == 0, "\(run.standardError)")
        let generated = try Data(contentsOf: URL(fileURLWithPath: output))
        let committed = try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.root + "/Sources/AttunePipeline/DefaultModel.swift"))
        #expect(generated == committed, "Sources/AttunePipeline/DefaultModel.swift is not what Scripts/embed-default-model.sh writes")
    }

    @Test func versionNamesTheEngineTheBuiltInModelAndTheBuild() throws {
        let run = try InstalledAttune.run(["--version"], in: InstalledAttune.workingFolder())
        #expect(run.status == 0, "\(run.standardError)")
        let text = run.standardOutput
        let model = try LoadedModel.load(path: RepositoryPaths.defaultModel)
        #expect(text.contains(AttuneEngine.version), "\(text)")
        #expect(text.contains("\(model.model.id) \(model.model.version)") && text.contains(model.sha256), "\(text)")
        #expect(text.contains("debug build"), "\(text)")  // the tests run the debug binary
        #expect(text.hasPrefix("attune "), "\(text)")
    }
}
