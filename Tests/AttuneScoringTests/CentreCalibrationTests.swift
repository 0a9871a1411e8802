import AttuneCalibration
import AttunePipeline
import AttuneScoring
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// Calibration on a centre's own data (issue 13): a results store of calls made from analysed
/// fixture calls, whose customers answer by a formula the default model does not know (other
/// weights, and overtalk and the advisor's own interruptions, which the default ignores).
/// `--fit` must learn it from the store's pairs, on folds that keep each advisor on one side.
@Suite(.serialized) struct CentreCalibrationTests {
    /// Analysed fixture calls: the templates every generated call starts from.
    static let templates: [CallReport] = {
        let model = try! LoadedModel.load(path: RepositoryPaths.defaultModel)
        return ["calm-clean", "heated-clean", "calm-bleed", "heated-snr25"].map { (name: String) in
            try! RecordingAnalysis.analyze(CallRecording(source: .file(RepositoryPaths.fixtureCalls + "/\(name).flac")), callId: name, model: model)
        }
    }()

    static let defaultModel = try! LoadedModel.load(path: RepositoryPaths.defaultModel)

    /// The centre's customers: the default model's inputs and transforms, other weights.
    static func customers(deadAir: Double = 0.22) -> ScoreDefinition {
        SurveyedStoreGenerator.customersUnlike(defaultModel.model, deadAir: deadAir)
    }

    /// A store (a SQLite file unless `kind` says otherwise) holding `count` generated calls and their answers.
    static func store(
        count: Int, customers: ScoreDefinition, scale: SurveyScale? = nil, kind: StoreKind = .sqlite
    ) async throws -> (ResultsStore, [SurveyedStoreGenerator.Generated]) {
        let generator = SurveyedStoreGenerator(templates: templates, scoringModel: defaultModel, customers: customers, noiseIndex: 0.1, advisors: 40)
        var generated = generator.generate(count: count)
        if let scale {  // the same answers, as a programme on another scale would have stored them
            for index in generated.indices {
                guard var survey = generated[index].survey, let answerIndex = generated[index].answerIndex else { continue }
                survey.score = scale.value(forEffortIndex: answerIndex)
                survey.scale = scale
                generated[index].survey = survey
            }
        }
        let database = try await ResultsStore.open(try TestStores.freshLocation(kind, name: "attune-centre"))
        try await database.store(generated.map(\.call), runId: nil)
        _ = try await database.storeSurveys(generated.compactMap(\.survey), sourcePath: "generated.csv")
        return (database, generated)
    }

    @Test func fitLearnsTheCentresAnswersOnHeldOutAdvisors() async throws {
        let (database, generated) = try await Self.store(count: 600, customers: Self.customers())
        let calls = try await database.surveyedCalls(CalibrationSelection())
        #expect(calls.count == generated.count { $0.survey != nil })
        let dataset = try CalibrationDataset.surveyed(calls, name: "generated", model: Self.defaultModel.model, grouping: .advisor, scales: .refuse)
        #expect(dataset.refusalToFit(minimum: CalibrationDataset.minimumSurveysToFit, folds: 5, grouping: .advisor) == nil)
        // Each example's group is its advisor, and no advisor straddles two folds.
        let byCall = Dictionary(uniqueKeysWithValues: generated.map { ($0.call.metadata.callId, $0) })
        for example in dataset.examples { #expect(example.group == byCall[example.id]!.call.metadata.agentId) }
        let examples = dataset.examples.map { FitExample(metrics: $0.metrics, target: 0, group: $0.group) }
        let folds = ModelFitter.folds(examples, count: 5)
        for (i, fold) in folds.enumerated() {
            for other in folds[(i + 1)...] { #expect(Set(fold.map { examples[$0].group }).isDisjoint(with: other.map { examples[$0].group })) }
        }

        // The formula's own ceiling: how well its noise-free index ranks its customers' answers.
        let surveyed = dataset.examples.map { byCall[$0.id]! }
        let ceiling = try #require(CalibrationStatistics.spearman(surveyed.map(\.formulaIndex), surveyed.map { $0.answerIndex! }))

        let run = CalibrationRun(dataset: dataset)
        let starting = try #require(run.evaluate(Self.defaultModel.model, name: "default").effort)
        let (fitted, heldOut) = run.fit(Self.defaultModel.model, folds: 5, scores: .effort)
        let held = try #require(heldOut.effort)
        let rho = try #require(held.spearman?.value)
        #expect(rho >= ceiling - 0.05, "held-out ρ \(rho), formula's ceiling \(ceiling)")
        let startingRho = try #require(starting.spearman?.value)
        #expect(rho > startingRho)
        #expect(abs(held.biasPoints) < abs(starting.biasPoints))
        #expect(heldOut.folds.count == 5)
        for fold in heldOut.folds {
            #expect(fold.fitted.meanAbsoluteErrorPoints < fold.starting.meanAbsoluteErrorPoints, "fold \(fold.fold)")
            #expect(fold.fitted.spearman! > fold.starting.spearman!, "fold \(fold.fold)")
        }
        #expect(heldOut.folds.reduce(0) { $0 + $1.fitted.surveys } == dataset.examples.count)
        // The input the default ignores is learnt.
        #expect(fitted.effort.inputs.first { $0.name == "overtalk" }!.weight > 0.1)
        // Drift figures: every surveyed call is in one week.
        #expect(starting.weeks.reduce(0) { $0 + $1.agreement.surveys } == dataset.examples.count)
    }

    @Test func declaredDirectionsHoldWhateverTheAnswersSay() async throws {
        // These customers like dead air (a negative weight): the fit must not follow them there.
        let (database, _) = try await Self.store(count: 300, customers: Self.customers(deadAir: -0.2))
        let dataset = try CalibrationDataset.surveyed(
            try await database.surveyedCalls(CalibrationSelection()), name: "generated", model: Self.defaultModel.model, grouping: .advisor, scales: .refuse)
        let (fitted, _) = CalibrationRun(dataset: dataset).fit(Self.defaultModel.model, folds: 5, scores: .effort)
        for input in fitted.effort.inputs where input.direction == .raisesScore {
            #expect(input.weight >= 0, "\(input.name): \(input.weight)")
            #expect(input.transform.isNonDecreasing)
        }
        #expect(fitted.effort.inputs.first { $0.name == "deadAir" }!.weight == 0)
        // The bound the model states holds for every fitted weight.
        let share = try #require(fitted.effort.maxContributionShare)
        for input in fitted.effort.inputs { #expect(abs(input.weight) * input.transform.largestMagnitude <= share + 1e-12, "\(input.name)") }
        #expect(throws: Never.self) { try fitted.validate(source: "fitted") }
    }

    @Test func tooFewPairsNoSurveysAndForeignScalesAreRefused() async throws {
        let (database, _) = try await Self.store(count: 60, customers: Self.customers())
        let calls = try await database.surveyedCalls(CalibrationSelection())
        let dataset = try CalibrationDataset.surveyed(calls, name: "small", model: Self.defaultModel.model, grouping: .advisor, scales: .refuse)
        let refusal = try #require(dataset.refusalToFit(minimum: 200, folds: 5, grouping: .advisor))
        #expect(refusal.message.contains("60 paired call(s) from 40 advisor(s)") && refusal.message.contains("at least 200"))
        // Enough calls but too few advisors for the folds.
        #expect(dataset.refusalToFit(minimum: 10, folds: 50, grouping: .advisor) != nil)

        // A store with calls but no surveys has nothing to pair.
        let empty = try await ResultsStore.open(RepositoryPaths.temporaryDirectory("attune-centre-empty") + "/results.db")
        let generated = SurveyedStoreGenerator(templates: Self.templates, scoringModel: Self.defaultModel, customers: Self.customers(), surveyedShare: 0)
        try await empty.store(generated.generate(count: 20).map(\.call), runId: nil)
        #expect(try await empty.surveyedCalls(CalibrationSelection()).isEmpty)

        // Answers stored on CES 1.0 (1–5, higher = more effort) against a 1–7 model: refused,
        // or converted through the effort index when asked.
        let (foreign, generatedForeign) = try await Self.store(count: 60, customers: Self.customers(), scale: .ces1)
        let foreignCalls = try await foreign.surveyedCalls(CalibrationSelection())
        #expect(throws: CalibrationRefusal.self) {
            try CalibrationDataset.surveyed(foreignCalls, name: "ces1", model: Self.defaultModel.model, grouping: .advisor, scales: .refuse)
        }
        let converted = try CalibrationDataset.surveyed(foreignCalls, name: "ces1", model: Self.defaultModel.model, grouping: .advisor, scales: .convert)
        let answers = Dictionary(uniqueKeysWithValues: generatedForeign.compactMap { g in g.answerIndex.map { (g.call.metadata.callId, $0) } })
        for example in converted.examples {
            #expect(example.cesScale == .ces2)
            #expect(abs(SurveyScale.ces2.effortIndex(of: example.ces!) - answers[example.id]!) < 1e-12)
        }
    }

    @Test(arguments: StoreKind.allCases) func selectionBySinceUntilAndTeam(_ kind: StoreKind) async throws {
        let (database, generated) = try await Self.store(count: 400, customers: Self.customers(), kind: kind)
        let all = try await database.surveyedCalls(CalibrationSelection())
        let team = try await database.surveyedCalls(CalibrationSelection(team: "T1"))
        #expect(team.count == generated.count { $0.survey != nil && $0.call.metadata.team == "T1" } && !team.isEmpty)
        #expect(team.allSatisfy { $0.call.team == "T1" })
        let cut = all[all.count / 2].respondedAt
        let before = try await database.surveyedCalls(CalibrationSelection(until: cut))
        let after = try await database.surveyedCalls(CalibrationSelection(since: cut))
        #expect(before.count + after.count == all.count && !before.isEmpty && !after.isEmpty)
        #expect(before.allSatisfy { $0.respondedAt < cut } && after.allSatisfy { $0.respondedAt >= cut })
        // Weeks start on Monday (2026-09-07 is one).
        #expect(all.allSatisfy { $0.week == "2026-09-07" || $0.week == "2026-09-14" })
    }

    @Test(arguments: StoreKind.allCases) func labelsFileReadsTeamLabelsAgainstStoredCalls(_ kind: StoreKind) async throws {
        let (database, _) = try await Self.store(count: 30, customers: Self.customers(), kind: kind)
        let text = "callId,ces,distress,note\ngen-1,6,0,fine\ngen-2,2,1,\"angry, shouting\"\nnot-stored,4,0,\n"
        let labels = try CalibrationDataset.labels(csv: text, file: "labels.csv", scale: .ces2)
        #expect(labels.map(\.callId) == ["gen-1", "gen-2", "not-stored"])
        #expect(labels[1].note == "angry, shouting" && labels[1].distressed == true && labels[1].ces == 2)
        let stored = try await database.storedCalls(callIds: labels.map(\.callId))
        let dataset = CalibrationDataset.labelled(labels, stored: stored, name: "labels", scale: .ces2, model: Self.defaultModel.model, grouping: .advisor)
        #expect(dataset.examples.map(\.id) == ["gen-1", "gen-2"])
        #expect(dataset.skipped == ["line 4: call not-stored is not in the store"])
        // The stored metrics come back as the scorer reads them.
        #expect(dataset.examples[0].metrics["call.deadAirSeconds"] != nil && dataset.examples[0].metrics["advisor.interruptionsMade"] != nil)
        #expect(throws: CalibrationRefusal.self) { try CalibrationDataset.labels(csv: "callId,ces\ngen-1,9\n", file: "bad.csv", scale: .ces2) }
        #expect(throws: CalibrationRefusal.self) { try CalibrationDataset.labels(csv: "callId,distress\ngen-1,yes\n", file: "bad.csv", scale: .ces2) }
    }
}
