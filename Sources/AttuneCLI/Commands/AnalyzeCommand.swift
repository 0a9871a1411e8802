import ArgumentParser
import AttuneDSP
import AttunePipeline
import FoundationEssentials
import Glibc

/// `attune analyze`: one recording → its report.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyse one call recording: turns, silence, overtalk, interruptions, raised voice, pitch and pace; likely effort and customer distress.",
        discussion: """
            A stereo file has one party per channel (advisor on channel 0 unless --advisor-channel 1). \
            Two mono legs go as --advisor A --customer C. A mono file is both parties mixed unless \
            --mono-party says whose voice it is. Any format libsndfile reads (WAV PCM/float/μ-law/A-law, \
            FLAC, OGG) at 8–192 kHz. Scores come from the model built into attune (or --model FILE, or \
            $ATTUNE_MODEL), each with the contributions behind it; --no-scores leaves them out.
            """
    )

    @Argument(help: "The recording (stereo or mono).")
    var file: String?

    @Option(help: ArgumentHelp("Advisor's leg, for two-file calls.", valueName: "file"))
    var advisor: String?

    @Option(help: ArgumentHelp("Customer's leg, for two-file calls.", valueName: "file"))
    var customer: String?

    @Option(help: "Which channel of a stereo file is the advisor's (0 or 1).")
    var advisorChannel: Int = 0

    @Option(help: "Whose voice a mono file holds: mixed, customer or advisor.")
    var monoParty: MonoParty = .mixed

    @Flag(help: "Fail on a mono file (the recording should be stereo).")
    var requireStereo = false

    @Option(help: "Call id for the report (default: the file name).")
    var callId: String?

    @Flag(help: "Print the JSON report (schema attune.call/1) instead of a summary.")
    var json = false

    @Option(help: ArgumentHelp("Also write every 10 ms frame's measurements (level, speech score, noise floor, decision, pitch) to this CSV file.", valueName: "file"))
    var frames: String?

    @OptionGroup var scoring: ScoringOptions

    @OptionGroup var settings: SettingsOptions

    func validate() throws {
        switch (file, advisor, customer) {
        case (.some, nil, nil), (nil, .some, .some): break
        case (.some, _, _): throw ValidationError("give either FILE or --advisor and --customer, not both")
        default: throw ValidationError("give a recording FILE, or two legs with --advisor A --customer C")
        }
        guard (0...1).contains(advisorChannel) else { throw ValidationError("--advisor-channel must be 0 or 1") }
    }

    func run() throws {
        let configuration = try settings.resolve()
        let model = try scoring.load()
        let source: CallRecording.Source = file.map { .file($0) } ?? .twoLeg(advisor: advisor!, customer: customer!)
        let recording = CallRecording(source: source, advisorChannel: advisorChannel, monoParty: monoParty.party, requiresStereo: requireStereo)
        let report: CallReport
        do {
            if let frames {
                let traced = try RecordingAnalysis.analyzeTracingFrames(recording, callId: callId, configuration: configuration, model: model)
                report = traced.report
                try FrameTraceCSV.write(traced.frames, parties: report.parties, to: frames)
            } else {
                report = try RecordingAnalysis.analyze(recording, callId: callId, configuration: configuration, model: model)
            }
        } catch let error as AnalysisError {
            printError("attune: error: \(error)")
            throw ExitCode(1)
        }
        if json {
            print(String(decoding: try report.jsonData(pretty: true), as: UTF8.self))
        } else {
            print(ReportSummary(report: report, configuration: configuration).text)
        }
    }
}

/// The `--mono-party` values.
enum MonoParty: String, ExpressibleByArgument, CaseIterable {
    case mixed, customer, advisor
    var party: Party { Party(rawValue: rawValue)! }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    writeError(line + "\n")
}

/// Writes text to standard error as is.
func writeError(_ text: String) {
    var standardError = StandardError()
    standardError.write(text)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        let bytes = Array(string.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
