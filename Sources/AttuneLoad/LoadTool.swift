import ArgumentParser

/// `attune-load`: replays fixture calls as concurrent live calls against `attune serve`, and
/// measures the memory of live-call analysis state. See `Scripts/bench/live-load.sh`.
@main
struct LoadTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attune-load",
        abstract: "Load-test attune serve with concurrent real-time calls, or measure live analysis memory per call.",
        subcommands: [ReplayCommand.self, MemoryCommand.self],
        defaultSubcommand: ReplayCommand.self
    )
}
