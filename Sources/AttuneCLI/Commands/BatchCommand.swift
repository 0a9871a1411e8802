import ArgumentParser
import AttuneBatch
import AttuneDSP
import AttuneStore
import Foundation

/// `attune batch`: a night's recordings into the results store.
struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Analyse a folder (recursively) or a manifest CSV of recordings into the results store.",
        discussion: """
            Every call is stored once, keyed by its recording's content (SHA-256), the engine version, \
            the settings and the scoring model's hash (the built-in model unless --model or --no-scores): re-running skips finished calls, and a run killed at any \
            moment can simply be run again. Files that cannot be analysed are listed with their reason \
            (exit 1); the rest of the run goes on.

            Folder: every audio file (by extension) below it is a call named after the file; \
            NAME.advisor.EXT and NAME.customer.EXT side by side are one two-leg call NAME. \
            Manifest (.csv): columns file, callId, agentId, team, startedAt, advisorChannel (two-leg \
            calls: advisorFile, customerFile), paths relative to the manifest.
            """
    )

    @Argument(help: "A folder of recordings, or a manifest .csv.")
    var source: String

    @OptionGroup var store: StoreOption

    @Option(help: "Calls analysed at once (default: the number of cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: ArgumentHelp("Take only shard K of N (0-based), split by a stable hash of the call id.", valueName: "K/N"))
    var shard: String?

    @Option(help: ArgumentHelp("Seconds between progress lines when not on a terminal.", valueName: "seconds"))
    var logInterval = 10.0

    @Flag(help: ArgumentHelp("Analyse but write no results (measures the store's share of a batch).", visibility: .hidden))
    var noStore = false

    @OptionGroup var scoring: ScoringOptions

    @OptionGroup var settings: SettingsOptions

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if let shard, Shard(shard) == nil { throw ValidationError("--shard expects K/N with 0 ≤ K < N, e.g. 0/3") }
        guard logInterval > 0 else { throw ValidationError("--log-interval must be positive") }
    }

    func run() async throws {
        let configuration = try settings.resolve()
        let model = try scoring.load()
        let input: BatchSource
        do { input = try BatchSource.load(source) } catch {
            printError("attune: error: \(error)")
            throw ExitCode(3)
        }
        let database: ResultsStore
        do { database = try await ResultsStore.open(store.location) } catch {
            printError("attune: error: \(error)")
            throw ExitCode(3)
        }
        let reporter = ProgressReporter(isTerminal: isatty(2) == 1, logIntervalSeconds: logInterval)
        var runner = BatchRunner(database: database, configuration: configuration, jobs: jobs, model: model)
        runner.storesResults = !noStore
        let outcome: (progress: BatchProgress, runId: Int64)
        do {
            outcome = try await runner.run(input, sourceDescription: source, shard: shard.flatMap(Shard.init)) { progress, elapsed in
                reporter.update(progress, elapsedSeconds: elapsed)
            }
        } catch {
            reporter.finish()
            printError("attune: error: \(error)")
            throw ExitCode(3)
        }
        reporter.finish()
        if input.ignoredFileCount > 0 { print("(\(input.ignoredFileCount) file(s) ignored: not audio by name)") }
        let failures = (try? await database.failures(runId: outcome.runId)) ?? []
        for failure in failures { printError("attune: failed: \(failure.reason.hasPrefix(failure.path) ? failure.reason : "\(failure.path): \(failure.reason)")") }
        print(outcome.progress.summary(elapsedSeconds: reporter.elapsedSeconds))
        print("Results: \(database.location) (run \(outcome.runId))")
        // Calls that failed in an earlier run (same file and settings) still fail the night.
        if outcome.progress.failed + outcome.progress.failedBefore > 0 { throw ExitCode(1) }
    }
}

/// Prints batch progress to stderr: a line rewritten in place on a terminal (at most 10 times a
/// second), or a plain line every `logIntervalSeconds` otherwise (cron, CI).
final class ProgressReporter: @unchecked Sendable {
    // @unchecked: used only from the batch's own task (the runner calls back on it).
    private let isTerminal: Bool
    private let logIntervalSeconds: Double
    private var lastPrinted = -Double.infinity
    private var lastLine = ""
    private(set) var elapsedSeconds = 0.0

    init(isTerminal: Bool, logIntervalSeconds: Double) {
        self.isTerminal = isTerminal
        self.logIntervalSeconds = logIntervalSeconds
    }

    func update(_ progress: BatchProgress, elapsedSeconds: Double) {
        self.elapsedSeconds = elapsedSeconds
        let line = progress.line(elapsedSeconds: elapsedSeconds)
        let interval = isTerminal ? 0.1 : logIntervalSeconds
        let isLast = progress.done == progress.total
        guard elapsedSeconds - lastPrinted >= interval || (isLast && line != lastLine) else { return }
        lastPrinted = elapsedSeconds
        lastLine = line
        if isTerminal { writeError("\r\u{1B}[2K" + line) } else { writeError("progress: " + line + "\n") }
    }

    func finish() {
        if isTerminal && !lastLine.isEmpty { writeError("\n") }
    }
}
