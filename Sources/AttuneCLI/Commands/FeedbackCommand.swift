import ArgumentParser
import AttuneBatch
import AttuneFeedback
import AttuneStore
import Foundation

/// `attune feedback`: advisor and team feedback from paired surveys.
struct FeedbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "Write advisor and team feedback (self-contained HTML with charts, plus CSV and JSON) from calls paired with surveys.",
        discussion: """
            Per advisor: calls, surveys, mean CES and its weekly trend, the CES distribution, each \
            behaviour on easy- versus hard-rated calls and against the team median, the behaviours that \
            differ most (only with --min-calls calls in each group), their latest hard-rated calls with \
            the customer's comment, and the calls worth a listen: where the model and the customer \
            disagreed beyond the model's error quantile on this centre's surveys, only for a model whose \
            latest calibration in the store (attune calibrate --db) shows agreement. Per team: the same, \
            the model's agreement with the answers week by week (drift), the behaviours most associated \
            with low CES, distressed-customer calls and who took them, advisor care flags and a \
            recognition board. Easy-rated = an answer in the easiest third of the scale, hard-rated = the \
            hardest third. Feedback is about behaviour and timing only, never the advisor's emotion.
            """
    )

    @Option(help: ArgumentHelp("Only this advisor's page (and their team's).", valueName: "id"))
    var agent: String?

    @Option(help: ArgumentHelp("Only this team.", valueName: "team"))
    var team: String?

    @Option(help: ArgumentHelp("Only calls that took place (or, without a start time, were analysed) on or after this ISO 8601 date or date-time.", valueName: "date"))
    var since: String?

    @Option(help: ArgumentHelp("The folder to write the pages and tables to (created if needed).", valueName: "dir"))
    var out: String

    @OptionGroup var store: StoreOption

    @Option(help: ArgumentHelp(
        "Link each listed call and moment to the call explorer of the attune serve at this address (e.g. https://attune.example:8443). Default: no links; the pages stay self-contained.",
        valueName: "url"))
    var explorerURL: String?

    @OptionGroup var scale: SurveyScaleOptions

    @Option(help: ArgumentHelp("Calls needed in each of the easy and hard groups before a difference is stated.", valueName: "count"))
    var minCalls = 8

    @Option(help: ArgumentHelp("An extra floor: a call is worth a listen only if model and customer also differ by at least this many points (on --scale). Default: none; the calibrated model's error quantile decides.", valueName: "points"))
    var listenPoints: Double?

    @Option(help: ArgumentHelp("Advisor care: this many high-distress calls in a row within a shift raise a flag.", valueName: "count"))
    var careRun = 3

    @Option(help: ArgumentHelp("Advisor care: calls further apart than this many hours belong to different shifts.", valueName: "hours"))
    var shiftGapHours = 4.0

    func validate() throws {
        if let since, Timestamp.normalise(since) == nil { throw ValidationError("--since expects an ISO 8601 date or date-time, e.g. 2026-11-22") }
        guard minCalls >= 1 else { throw ValidationError("--min-calls must be at least 1") }
        guard careRun >= 1 else { throw ValidationError("--care-run must be at least 1") }
        guard shiftGapHours > 0 else { throw ValidationError("--shift-gap-hours must be positive") }
        if let listenPoints, listenPoints <= 0 { throw ValidationError("--listen-points must be positive") }
        try store.requireExisting()
    }

    func run() async throws {
        let configuration = FeedbackConfiguration(
            scale: try scale.resolve(), minimumCallsPerGroup: minCalls, worthAListenPoints: listenPoints, careRunLength: careRun,
            careShiftGap: .milliseconds(Int64((shiftGapHours * 3_600_000).rounded())))
        let scope = FeedbackScope(agentId: agent, team: team, since: since.flatMap(Timestamp.normalise))
        do {
            // Feedback only reads the store (its temporary tables work on a read-only connection).
            let database = try await ResultsStore.openReadOnly(store.location)
            let report = try await FeedbackReport.build(from: database, configuration: configuration, scope: scope)
            let files = try FeedbackWriter.write(report, to: out, links: explorerURL.map(CallLinks.init(baseURL:)))
            print("\(report.advisors.count) advisor(s), \(report.teams.count) team(s): \(files.count) file(s) written to \(out) (open \(out)/index.html)")
        } catch {
            printError("attune: error: \(error)")
            throw ExitCode(3)
        }
    }
}
