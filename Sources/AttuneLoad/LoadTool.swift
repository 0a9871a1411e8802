import ArgumentParser

/// `attune-load`: replays fixture calls as concurrent live calls against `attune serve`, and
/// measures the memory of live-call analysis state (see `Scripts/bench/live-load.sh`); and writes
/// generated surveyed stores for measuring calibration.
@main
struct LoadTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attune-load",
        abstract: "Load-test attune serve with concurrent real-time calls, or measure live analysis memory per call.",
        subcommands: [ReplayCommand.self, MemoryCommand.self, SurveyedStoreCommand.self],
        defaultSubcommand: ReplayCommand.self
    )
}
