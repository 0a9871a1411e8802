import AttunePipeline
import AttuneScoring
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// `attune calibrate --db` end to end (issue 13): refusals with their reason, a fitted model
/// file that says where it came from, figures recorded in the store for feedback, and reports
/// that show the fitted model's held-out ρ.
@Suite struct CalibrateCommandTests {
    static let model = try! LoadedModel.load(path: RepositoryPaths.defaultModel)

    /// A store of `count` generated calls (from two analysed fixture calls) answered by customers
    /// unlike the default model; `surveyedShare` 0 leaves them unanswered.
    static func store(_ directory: String, count: Int, surveyedShare: Double = 1, scale: SurveyScale? = nil) async throws -> String {
        let templates = try ["calm-clean", "heated-clean"].map { (name: String) in
            try RecordingAnalysis.analyze(CallRecording(source: .file(RepositoryPaths.fixtureCalls + "/\(name).flac")), callId: name, model: model)
        }
        let customers = SurveyedStoreGenerator.customersUnlike(model.model)
        var generated = SurveyedStoreGenerator(templates: templates, scoringModel: model, customers: customers, surveyedShare: surveyedShare).generate(count: count)
        if let scale {
            for index in generated.indices {
                guard var survey = generated[index].survey, let answer = generated[index].answerIndex else { continue }
                survey.score = scale.value(forEffortIndex: answer)
                survey.scale = scale
                generated[index].survey = survey
            }
        }
        let path = directory + "/results.db"
        let database = try await ResultsStore.open(path)
        try await database.store(generated.map(\.call), runId: nil)
        _ = try await database.storeSurveys(generated.compactMap(\.survey), sourcePath: "generated.csv")
        return path
    }

    @Test func refusesWithItsReason() async throws {
        let unanswered = try await Self.store(RepositoryPaths.temporaryDirectory("attune-cal-none"), count: 20, surveyedShare: 0)
        let none = try AnalyzeCommandTests.run(["calibrate", "--db", unanswered])
        #expect(none.status == 1)
        #expect(none.standardError.contains("0 stored call(s) with a paired survey"))

        let small = try await Self.store(RepositoryPaths.temporaryDirectory("attune-cal-small"), count: 120)
        let tooFew = try AnalyzeCommandTests.run(["calibrate", "--db", small, "--fit", "--out", small + ".json"])
        #expect(tooFew.status == 1)
        #expect(tooFew.standardError.contains("will not fit: 120 paired call(s) from 40 advisor(s); a fit needs at least 200"))
        #expect(!FileManager.default.fileExists(atPath: small + ".json"))

        let ces1 = try await Self.store(RepositoryPaths.temporaryDirectory("attune-cal-ces1"), count: 30, scale: .ces1)
        let foreign = try AnalyzeCommandTests.run(["calibrate", "--db", ces1])
        #expect(foreign.status == 1)
        #expect(foreign.standardError.contains("answered on 1–5 (higher = more effort) but model default") && foreign.standardError.contains("--convert-scale"))
        let converted = try AnalyzeCommandTests.run(["calibrate", "--db", ces1, "--convert-scale"])
        #expect(converted.status == 0, "\(converted.standardError)")
    }

    @Test func fitWritesAVersionedModelAndRecordsItsHeldOutFigures() async throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-cal-fit")
        let db = try await Self.store(directory, count: 400)
        let out = directory + "/centre.json"
        let fitted = try AnalyzeCommandTests.run(["calibrate", "--db", db, "--fit", "--out", out, "--html", directory + "/cal.html"])
        #expect(fitted.status == 0, "\(fitted.standardError)")
        #expect(fitted.standardOutput.contains("per fold (held out; the starting model on the same calls)"))
        let model = try LoadedModel.load(path: out)
        let fit = try #require(model.model.fit)
        #expect(fit.parentSha256 == Self.model.sha256 && fit.parentId == "default" && fit.parentVersion == Self.model.model.version)
        #expect(fit.surveys == 400 && fit.folds == 5 && fit.foldBy == "advisor")
        #expect(fit.firstResponseAt != nil && fit.lastResponseAt != nil && fit.firstResponseAt! <= fit.lastResponseAt!)
        let heldOut = try #require(fit.heldOut.spearman)
        #expect(heldOut > (fit.parentOnSameCalls.spearman ?? 1))
        #expect(try String(contentsOfFile: directory + "/cal.html", encoding: .utf8).contains("Effort reliability"))

        // The store keeps both measurements: the default's, and the fitted model's held out.
        let calibrations = try await ResultsStore.open(db).calibrations()
        #expect(calibrations.map(\.kind).sorted() == ["heldOut", "measured"])
        #expect(calibrations.first { $0.kind == "measured" }?.modelSha256 == Self.model.sha256)
        let recorded = try #require(calibrations.first { $0.kind == "heldOut" })
        #expect(recorded.modelSha256 == model.sha256 && recorded.figures.surveys == 400 && recorded.figures.spearman == heldOut)

        // Measuring the fitted model on the surveys it was fitted on is in sample: not recorded.
        let again = try AnalyzeCommandTests.run(["calibrate", "--db", db, "--model", out])
        #expect(again.status == 0)
        #expect(again.standardOutput.contains("in sample"))
        #expect(try await ResultsStore.open(db).calibrations().count == 2)

        // A report scored by the fitted model names it and its held-out ρ.
        let report = try AnalyzeCommandTests.run(["analyze", "--json", "--model", out, RepositoryPaths.fixtureCalls + "/calm-clean.flac"])
        let object = try JSONSerialization.jsonObject(with: Data(report.standardOutput.utf8)) as? [String: Any]
        let reference = object?["model"] as? [String: Any]
        #expect(reference?["sha256"] as? String == model.sha256)
        #expect(abs((reference?["heldOutSpearman"] as? Double ?? 0) - heldOut) < 1e-12)
    }
}
