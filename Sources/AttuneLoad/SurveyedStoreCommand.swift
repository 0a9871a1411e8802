import ArgumentParser
import AttuneCalibration
import AttunePipeline
import AttuneScoring
import AttuneStore
import AttuneTestSupport
import Foundation

/// `attune-load surveyed-store`: a results store of generated calls with survey answers from a
/// known formula, to measure `attune calibrate --db` where no real centre's data is at hand.
struct SurveyedStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surveyed-store",
        abstract: "Write a results store of generated calls (from analysed fixture calls) with survey answers from a known formula.",
        discussion: """
            Each call is one of four analysed fixture calls with its behaviours re-drawn (dead air, \
            holds, interruptions, overtalk, raised voice, longest turn, response gap; advisors differ \
            in their habits), scored by the model. Its customer answers on the model's scale from a \
            formula unlike the model's: effort index = 0.05 + 0.22 dead air + 0.2 hold + 0.2 advisor \
            interruptions + 0.05 interruptions + 0.25 overtalk + 0.1 raised voice (each through the \
            model's own transform), plus normal noise of 0.1 (0.6 points on 1–7), rounded. Prints the \
            formula's own ceiling: Spearman ρ of its noise-free index with the answers.
            """
    )

    @Option(help: "Calls to generate (each with a survey).")
    var calls = 600

    @Option(help: "Advisors (ten per team).")
    var advisors = 40

    @Option(help: ArgumentHelp("The results store to create (must not exist).", valueName: "path"))
    var db: String

    @Option(help: ArgumentHelp("The scoring model (default: models/default.json).", valueName: "file"))
    var model = "models/default.json"

    func run() async throws {
        guard !FileManager.default.fileExists(atPath: db) else { throw ValidationError("\(db) exists: give a new path") }
        let loaded = try LoadedModel.load(path: model)
        let templates = try ["calm-clean", "heated-clean", "calm-bleed", "heated-snr25"].map { (name: String) in
            try RecordingAnalysis.analyze(CallRecording(source: .file("fixtures/calls/\(name).flac")), callId: name, model: loaded)
        }
        let customers = SurveyedStoreGenerator.customersUnlike(loaded.model)
        let generated = SurveyedStoreGenerator(templates: templates, scoringModel: loaded, customers: customers, advisors: advisors).generate(count: calls)
        let database = try await ResultsStore.open(db)
        try await database.store(generated.map(\.call), runId: nil)
        _ = try await database.storeSurveys(generated.compactMap(\.survey), sourcePath: "generated")
        let surveyed = generated.filter { $0.answerIndex != nil }
        print("\(calls) calls by \(advisors) advisors, \(surveyed.count) surveys written to \(db)")
        if let ceiling = CalibrationStatistics.spearman(surveyed.map(\.formulaIndex), surveyed.map { $0.answerIndex! }) {
            print("the formula's own ceiling: Spearman ρ \(String(format: "%.3f", ceiling)) between its noise-free index and the answers")
        }
    }
}
