import ArgumentParser
import AttunePipeline
import Foundation

/// `--model FILE`: the scoring model. Without it, `$ATTUNE_MODEL`, else the model built into the
/// binary (`DefaultModel`, a byte-for-byte copy of `models/default.json`), so an installed or
/// copied `attune` scores exactly as the repository's does, from any folder. A model that is named
/// (by `--model`, `$ATTUNE_MODEL` or a configuration file) and cannot be read or checked is refused
/// (exit 3), never quietly replaced or dropped.
struct ModelOption: ParsableArguments {
    @Option(
        name: .customLong("model"),
        help: ArgumentHelp("The scoring model (default: $ATTUNE_MODEL, else the model built into attune, a copy of models/default.json).", valueName: "file"))
    var path: String?

    init() {}

    /// A model path given some other way (a configuration file); nil: the default.
    init(path: String?) { self.path = path }

    /// The model (never nil; the optional and `required` remain for existing callers): the file
    /// given, else `$ATTUNE_MODEL` (when set and not empty), else the built-in model.
    /// - Throws: `ExitCode(3)` after one line on stderr naming the file and the reason, when a
    ///   named model cannot be read or is malformed.
    func load(required: Bool = false) throws -> LoadedModel? { try resolve() }

    /// The model: the file given, else `$ATTUNE_MODEL`, else the built-in model.
    func resolve() throws -> LoadedModel {
        if let path { return try Self.load(file: path, namedBy: "--model") }
        if let environment = ProcessInfo.processInfo.environment["ATTUNE_MODEL"], !environment.isEmpty {
            return try Self.load(file: environment, namedBy: "$ATTUNE_MODEL")
        }
        do { return try DefaultModel.load() } catch {
            // Cannot happen in a tested build (DefaultModelTests loads it), but never score-less in silence.
            printError("attune: error: the built-in scoring model: \(error)")
            throw ExitCode(3)
        }
    }

    /// The model file `file`; `namedBy` says where the name came from (`--model`, …), for the error.
    static func load(file: String, namedBy: String) throws -> LoadedModel {
        do { return try LoadedModel.load(path: file) } catch {
            printError("attune: error: \(error) (the scoring model named by \(namedBy); --no-scores to score nothing)")
            throw ExitCode(3)
        }
    }
}

/// `--model FILE` and `--no-scores`: the options of the commands that score calls.
struct ScoringOptions: ParsableArguments {
    @OptionGroup var model: ModelOption

    @Flag(help: "Leave out the effort and distress scores.")
    var noScores = false

    /// The model to score with; nil with --no-scores (and only then).
    func load() throws -> LoadedModel? { noScores ? nil : try model.resolve() }
}
