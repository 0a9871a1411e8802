import ArgumentParser
import AttunePipeline
import AttuneScoring

/// The `attune` command: speech analytics for contact-centre calls.
@main
struct Attune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attune",
        abstract: "Speech analytics for contact-centre calls: who talked when, and how it sounded.",
        discussion: """
            Exit codes: 0 all good; 1 an input could not be analysed (the reason is printed, one \
            line per failure); 3 the work could not proceed at all (results store, source, \
            configuration or a named scoring model unusable, or a processor this build cannot run \
            on); 64 a usage error.
            """,
        version: BuildInfo.versionText,
        subcommands: [
            AnalyzeCommand.self, BatchCommand.self, ServeCommand.self, ExportCommand.self, SurveysCommand.self, FeedbackCommand.self, CalibrateCommand.self,
            CallsCommand.self,
            ConfigCommand.self,
        ]
    )

    static func main() async {
        EngineCPU.exitIfUnsupported()
        await main(nil)
    }
}

/// What `attune --version` prints: the build, the engine version (recorded in every report and
/// part of every stored result's identity) and the built-in scoring model with its SHA-256.
enum BuildInfo {
    /// Attune's own version (bump it with each release).
    static let version = "0.14.0"

    /// How this binary was built: debug or release, and the Swift compiler it was built with.
    static var build: String {
        #if DEBUG
        let configuration = "debug"
        #else
        let configuration = "release"
        #endif
        #if compiler(>=7.0)
        let compiler = "Swift 7.0 or later"
        #elseif compiler(>=6.3)
        let compiler = "Swift 6.3"
        #elseif compiler(>=6.2)
        let compiler = "Swift 6.2"
        #else
        let compiler = "Swift before 6.2"
        #endif
        return "\(configuration) build, \(compiler)"
    }

    /// The built-in model, one line.
    static var builtInModel: String {
        do {
            let model = try DefaultModel.load()
            return "\(model.model.id) \(model.model.version), sha256 \(model.sha256)"
        } catch {
            return "unusable: \(error)"
        }
    }

    static var versionText: String {
        """
        attune \(version) (\(build))
        engine: \(AttuneEngine.version)
        built-in model: \(builtInModel)
        """
    }
}
