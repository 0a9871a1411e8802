import ArgumentParser
import AttunePipeline
import Foundation

/// `--model FILE`, with the default model found when not given.
struct ModelOption: ParsableArguments {
    @Option(name: .customLong("model"), help: ArgumentHelp("The scoring model (default: models/default.json, or $ATTUNE_MODEL).", valueName: "file"))
    var path: String?

    init() {}

    /// A model path given some other way (a configuration file); nil: the default.
    init(path: String?) { self.path = path }

    /// The model: the one given, else $ATTUNE_MODEL, else models/default.json in the working
    /// folder or beside the executable's repository. Nil when none is found and none is required
    /// (the call is then analysed without scores).
    func load(required: Bool = false) throws -> LoadedModel? {
        let candidates: [String]
        if let path {
            candidates = [path]
        } else if let environment = ProcessInfo.processInfo.environment["ATTUNE_MODEL"] {
            candidates = [environment]
        } else {
            let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            let repository = executable.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            candidates = ["models/default.json", repository.appendingPathComponent("models/default.json").path]
        }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            if required || path != nil { throw ValidationError("no scoring model at \(candidates.joined(separator: " or ")) (see --model)") }
            return nil
        }
        do { return try LoadedModel.load(path: found) } catch {
            throw ValidationError("\(error)")
        }
    }
}

/// `--model FILE` and `--no-scores`: the options of the commands that score calls.
struct ScoringOptions: ParsableArguments {
    @OptionGroup var model: ModelOption

    @Flag(help: "Leave out the effort and distress scores.")
    var noScores = false

    /// The model to score with; nil with --no-scores, or when no model file is found.
    func load() throws -> LoadedModel? { noScores ? nil : try model.load() }
}
