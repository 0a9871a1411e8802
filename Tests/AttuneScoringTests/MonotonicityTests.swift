import AttuneCalibration
import AttunePipeline
import AttuneScoring
import AttuneTestSupport
import Testing

/// More dead air, more interruptions or a higher customer spike rate never lowers effort: a
/// property over generated metric sets, for the shipped model, a model refitted to arbitrary
/// targets, and one with logistic transforms.
@Suite struct MonotonicityTests {
    /// A plausible, seeded metric set (some metrics unknown, as in mono calls). The hard
    /// behaviours are scaled by a per-set load in 0–1, so easy calls (where a fitted model has
    /// room to rise) are as common as calls already at the top of the scale.
    static func metricSet(_ generator: inout SeededGenerator) -> [String: Double] {
        func uniform(_ range: ClosedRange<Double>) -> Double { Double.random(in: range, using: &generator) }
        let load = uniform(0...1)
        var metrics: [String: Double] = [
            "call.deadAirSeconds": uniform(0...120) * load,
            "advisor.interruptionsMade": (uniform(0...8) * load).rounded(),
            "customer.interruptionsMade": (uniform(0...8) * load).rounded(),
            "call.overtalkShare": uniform(0...0.3) * load,
            "customer.energySpikesPerMinute": uniform(0...8) * load,
            "scores.distress": uniform(0...1),
            "customer.longestTurnSeconds": uniform(0...60),
            "advisor.responseGapMeanSeconds": uniform(0...4),
            "call.durationSeconds": uniform(30...1800),
        ]
        metrics["call.interruptionCount"] = metrics["advisor.interruptionsMade"]! + metrics["customer.interruptionsMade"]!
        for key in metrics.keys.sorted() where uniform(0...1) < 0.1 { metrics[key] = nil }
        return metrics
    }

    /// Models to hold the property for.
    static func models() throws -> [(String, RuleModel)] {
        let shipped = try LoadedModel.load(path: RepositoryPaths.defaultModel).model
        // Refitted to arbitrary (random) targets: the fitter must keep raisesScore weights ≥ 0.
        var generator = SeededGenerator(seed: 7)
        let examples = (0..<200).map { _ in
            FitExample(metrics: metricSet(&generator), target: Double.random(in: 0...1, using: &generator), group: "\(Int.random(in: 0..<20, using: &generator))")
        }
        var refitted = shipped
        refitted.effort = ModelFitter.fit(shipped.effort, examples: examples)
        var logistic = shipped
        for index in logistic.effort.inputs.indices {
            logistic.effort.inputs[index].transform = .logistic(centre: 5 * Double(index + 1), slope: 0.3)
        }
        return [("shipped", shipped), ("refitted to random targets", refitted), ("logistic transforms", logistic)]
    }

    @Test func moreOfABadBehaviourNeverLowersEffort() throws {
        var generator = SeededGenerator(seed: 42)
        let increases: [(String, (inout [String: Double], Double) -> Void)] = [
            ("dead air", { $0["call.deadAirSeconds", default: 0] += 60 * $1 }),
            ("advisor interruptions", { m, u in
                let more = (1 + 4 * u).rounded()
                m["advisor.interruptionsMade", default: 0] += more
                m["call.interruptionCount", default: 0] += more
            }),
            ("customer interruptions", { m, u in
                let more = (1 + 4 * u).rounded()
                m["customer.interruptionsMade", default: 0] += more
                m["call.interruptionCount", default: 0] += more
            }),
            ("customer spike rate", { $0["customer.energySpikesPerMinute", default: 0] += 6 * $1 }),
            ("all of them", { m, u in
                m["call.deadAirSeconds", default: 0] += 60 * u
                m["advisor.interruptionsMade", default: 0] += 1
                m["call.interruptionCount", default: 0] += 2
                m["customer.energySpikesPerMinute", default: 0] += 6 * u
            }),
        ]
        for (modelName, model) in try Self.models() {
            let scorer = Scorer(model: model)
            var violations: [String] = []
            var rises = 0
            for _ in 0..<2000 {
                let before = Self.metricSet(&generator)
                for (name, increase) in increases {
                    var after = before
                    increase(&after, Double.random(in: 0.01...1, using: &generator))
                    let a = scorer.effort(before), b = scorer.effort(after)
                    if b.index < a.index - 1e-12 { violations.append("\(name): \(a.index) → \(b.index) for \(before)") }
                    // On CES 2.0 (higher = easier) the answer must not rise.
                    if b.value > a.value + 1e-12 { violations.append("\(name): value \(a.value) → \(b.value)") }
                    if b.index > a.index { rises += 1 }
                }
            }
            #expect(violations.isEmpty, "\(modelName): \(violations.prefix(3))")
            // The property is not vacuous: the increases do raise effort, most of the time.
            #expect(rises > 2000, "\(modelName): only \(rises) of 10000 increases raised effort")
        }
    }
}
