import AttuneCalibration
import AttuneScoring
import Foundation
import Testing

/// The fitter recovers a known model from data it generated, keeps its promises (non-negative
/// raisesScore weights, locked weights), and held-out predictions come from fits that never saw
/// the held-out fold.
@Suite struct FitterTests {
    static func input(_ name: String, _ transform: Transform, weight: Double, locked: Bool? = nil) -> ModelInput {
        ModelInput(name: name, label: name, metric: "call.\(name)", unit: "", transform: transform, weight: weight, direction: .raisesScore, locked: locked)
    }

    /// A known score: three piecewise-linear inputs and one logistic.
    static let truth = ScoreDefinition(bias: 0.05, inputs: [
        input("a", .piecewiseLinear([[0, 0], [10, 1]]), weight: 0.30),
        input("b", .piecewiseLinear([[0, 0], [5, 0.5], [20, 1]]), weight: 0.20),
        input("c", .piecewiseLinear([[0, 0], [1, 1]]), weight: 0.0),
        input("d", .logistic(centre: 10, slope: 0.8), weight: 0.40),
    ])

    /// Examples drawn from `truth` plus Gaussian noise (sd `noise`), in `groups` groups.
    static func examples(count: Int, noise: Double, seed: UInt64, groups: Int = 40) -> [FitExample] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { index in
            let metrics = ["call.a": Double.random(in: 0...12, using: &generator), "call.b": Double.random(in: 0...25, using: &generator),
                           "call.c": Double.random(in: 0...1, using: &generator), "call.d": Double.random(in: 0...20, using: &generator)]
            let clean = truth.bias + zip(truth.inputs, ModelFitter.features(truth, metrics)).reduce(0) { $0 + $1.0.weight * $1.1 }
            // Box–Muller.
            let u = Double.random(in: Double.ulpOfOne...1, using: &generator), v = Double.random(in: 0...1, using: &generator)
            let gaussian = (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
            return FitExample(metrics: metrics, target: clean + noise * gaussian, group: "g\(index % groups)")
        }
    }

    /// Tolerance: ±0.03 on every weight and the bias, with 600 examples at noise sd 0.03 (a tenth
    /// of the largest weight); the logistic centre lands on the training quantile nearest the truth.
    @Test func recoversKnownWeights() {
        var start = Self.truth
        start.bias = 0.5
        for index in start.inputs.indices { start.inputs[index].weight = 0.1 }
        start.inputs[3].transform = .logistic(centre: 3, slope: 0.8)
        let fitted = ModelFitter.fit(start, examples: Self.examples(count: 600, noise: 0.03, seed: 3))
        #expect(abs(fitted.bias - Self.truth.bias) <= 0.03, "bias \(fitted.bias)")
        for (got, want) in zip(fitted.inputs, Self.truth.inputs) {
            #expect(abs(got.weight - want.weight) <= 0.03, "\(got.name): \(got.weight) vs \(want.weight)")
        }
        guard case .logistic(let centre, _) = fitted.inputs[3].transform else { Issue.record("transform kind changed"); return }
        #expect(abs(centre - 10) <= 1.5, "centre \(centre)")
    }

    @Test func raisesScoreWeightsStayNonNegativeAndLockedWeightsStay() {
        var examples = Self.examples(count: 300, noise: 0.02, seed: 5)
        // Make "c" work against the score: the fit would like a negative weight.
        for index in examples.indices { examples[index].target -= 0.3 * examples[index].metrics["call.c"]! }
        var start = Self.truth
        start.inputs[1].locked = true
        start.inputs[1].weight = 0.123
        let fitted = ModelFitter.fit(start, examples: examples)
        #expect(fitted.inputs[2].weight == 0)
        #expect(fitted.inputs[1].weight == 0.123)
        #expect(fitted.inputs.allSatisfy { $0.weight >= 0 })
    }

    @Test func foldsPartitionGroups() {
        let examples = Self.examples(count: 200, noise: 0.05, seed: 9, groups: 23)
        let folds = ModelFitter.folds(examples, count: 5)
        #expect(folds.count == 5)
        #expect(folds.flatMap { $0 }.sorted() == Array(0..<200))
        for (i, fold) in folds.enumerated() {
            let groups = Set(fold.map { examples[$0].group })
            for other in folds[(i + 1)...] { #expect(groups.isDisjoint(with: other.map { examples[$0].group })) }
        }
    }

    /// Corrupting one fold's labels leaves that fold's held-out predictions untouched (their fit
    /// never saw them) and changes the others' (whose fits did).
    @Test func heldOutPredictionsNeverSeeTheirFold() {
        let examples = Self.examples(count: 200, noise: 0.05, seed: 11)
        let folds = ModelFitter.folds(examples, count: 5)
        let before = ModelFitter.heldOutPredictions(Self.truth, examples: examples, folds: 5)
        var corrupted = examples
        for index in folds[0] { corrupted[index].target = 1 - corrupted[index].target * 3 }
        let after = ModelFitter.heldOutPredictions(Self.truth, examples: corrupted, folds: 5)
        for index in folds[0] { #expect(before[index] == after[index]) }
        let others = folds[1...].flatMap { $0 }
        #expect(others.count { before[$0] != after[$0] } > others.count / 2)
    }

    @Test func statisticsOnKnownValues() throws {
        #expect(CalibrationStatistics.rocAUC(scores: [0.1, 0.4, 0.35, 0.8], positives: [false, false, true, true]) == 0.75)
        #expect(CalibrationStatistics.rocAUC(scores: [1, 1], positives: [true, false]) == 0.5)
        #expect(CalibrationStatistics.spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]).map { abs($0 - 0.8207826816681233) < 1e-12 } == true)
        #expect(CalibrationStatistics.ranks([10, 20, 20, 30]) == [1, 2.5, 2.5, 4])
        #expect(CalibrationStatistics.withinOne([3.4, 5.6, 1.0], [4, 4, 3]) == 1.0 / 3)
        let values = (0..<50).map(Double.init)
        let interval = try #require(CalibrationStatistics.bootstrap(count: 50, samples: 500) { picks in picks.map { values[$0] }.reduce(0, +) / Double(picks.count) })
        #expect(interval.contains(24.5) && interval.upperBound - interval.lowerBound < 15)
    }
}
