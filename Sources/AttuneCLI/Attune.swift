import ArgumentParser

/// The `attune` command: speech analytics for contact-centre calls.
@main
struct Attune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attune",
        abstract: "Speech analytics for contact-centre calls: who talked when, and how it sounded.",
        discussion: """
            Exit codes: 0 all good; 1 an input could not be analysed (the reason is printed, one \
            line per failure); 3 the work could not proceed at all (results store or source \
            unusable); 64 a usage error.
            """,
        subcommands: [
            AnalyzeCommand.self, BatchCommand.self, ServeCommand.self, ExportCommand.self, SurveysCommand.self, FeedbackCommand.self, CalibrateCommand.self,
            ConfigCommand.self,
        ]
    )
}
