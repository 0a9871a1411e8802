import AttuneCalibration
import AttunePipeline
import AttuneScoring
import AttuneTestSupport
import Foundation
import Testing

/// Distress on real acted emotion (EmoDB, `../shared/data/emodb`: ten speakers, 30 clips each of
/// angry, fear, happy, sad and neutral), each clip heard *in context*, after the same speaker's
/// own neutral speech, as a call presents a customer (`EmoDBInContext`). Figures are held out by
/// speaker: each speaker's clips are scored by weights and levels fitted on the other nine.
/// Targets (issue 11): angry+fear against neutral ROC AUC ≥ 0.95; at most 20 % of happy and 5 % of
/// neutral clips flagged elevated or high: delight is not distress.
@Suite struct DistressInContextTests {
    static let dataset: CalibrationDataset = {
        let model = try! LoadedModel.load(path: RepositoryPaths.defaultModel)
        return try! CalibrationDataset.load(RepositoryPaths.sharedData + "/emodb", model: model)
    }()

    static func row(_ label: String, of evaluation: DistressEvaluation) throws -> ConfusionRow {
        try #require(evaluation.confusion.first { $0.label == label }, "no \(label) row")
    }

    @Test func everyClipIsHeardInContext() {
        #expect(Self.dataset.examples.count == 150, "skipped: \(Self.dataset.skipped)")
        #expect(Set(Self.dataset.examples.map(\.group)).count == 10)
    }

    @Test func heldOutBySpeakerStrainIsFlaggedAndDelightIsNot() throws {
        let distress = try #require(try heldOutEvaluation(Self.dataset, folds: 10, scores: .distress).distress)
        let auc = try #require(distress.aucAgainstReference).value
        let happy = try Self.row("happy", of: distress), neutral = try Self.row("neutral", of: distress)
        for row in distress.confusion {
            print("EmoDB in context, held out: \(row.label) mean \(row.meanScore), flagged \(row.flaggedShare) (\(row.counts))")
        }
        print("EmoDB in context, held out: AUC vs neutral \(auc), vs all others \(distress.auc?.value ?? .nan)")
        #expect(auc >= 0.95, "angry+fear vs neutral AUC \(auc)")
        #expect(happy.flaggedShare <= 0.20, "happy flagged \(happy.flaggedShare)")
        #expect(neutral.flaggedShare <= 0.05, "neutral flagged \(neutral.flaggedShare)")
    }

    /// The shipped model on the same clips (in sample: its distress weights were fitted on them).
    @Test func shippedModelKeepsDelightOffTheWall() throws {
        let model = try LoadedModel.load(path: RepositoryPaths.defaultModel).model
        let distress = try #require(CalibrationRun(dataset: Self.dataset).evaluate(model, name: "shipped").distress)
        let happy = try Self.row("happy", of: distress), neutral = try Self.row("neutral", of: distress)
        let angry = try Self.row("angry", of: distress), fear = try Self.row("fear", of: distress)
        #expect(happy.flaggedShare <= 0.20)
        #expect(neutral.flaggedShare <= 0.05)
        // Strain still reads as strain: both distressed emotions score above delight on average.
        #expect(angry.meanScore > happy.meanScore && fear.meanScore > happy.meanScore)
    }
}
