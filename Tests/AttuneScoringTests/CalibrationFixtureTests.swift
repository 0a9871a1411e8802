import AttuneCalibration
import AttunePipeline
import AttuneScoring
import AttuneTestSupport
import Foundation
import Testing

/// The calibration set and the effort fit against it: labels are on the scale they claim, and the
/// effort score, fitted with cross-validation, ranks the simulated survey answers on calls the
/// fit never saw (issue 4's target: held-out Spearman ρ ≥ 0.6).
@Suite struct CalibrationFixtureTests {
    static let dataset: CalibrationDataset = {
        let model = try! LoadedModel.load(path: RepositoryPaths.defaultModel)
        return try! CalibrationDataset.load(RepositoryPaths.calibrationCalls, model: model)
    }()

    @Test func setHasFortyOrMoreLabelledCalls() {
        let examples = Self.dataset.examples
        #expect(examples.count >= 40)
        #expect(Self.dataset.skipped.isEmpty)
        for example in examples {
            let ces = try! #require(example.ces, "\(example.id) has no CES label")
            #expect((1...7).contains(ces) && ces == ces.rounded(), "\(example.id): CES \(ces) not a 1–7 answer")
            #expect(example.cesScale == SurveyScale(min: 1, max: 7, higherIsEasier: true))
        }
        // Answers use the whole scale, so the fit has something to rank.
        #expect(Set(examples.compactMap(\.ces)).count == 7)
    }

    @Test func fittedEffortRanksSurveyAnswersOnHeldOutFolds() throws {
        let effort = try #require(try heldOutEvaluation(Self.dataset, folds: 5, scores: .effort).effort)
        let spearman = try #require(effort.spearman)
        #expect(effort.count == Self.dataset.examples.count)
        #expect(spearman.value >= 0.6, "held-out Spearman ρ \(spearman.value)")
    }
}
