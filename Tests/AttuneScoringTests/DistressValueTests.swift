import AttuneScoring
import Testing

/// The moving distress value is scored every second without building the contributions' texts
/// (`Scorer.distressValue`); it must be exactly the value the full score gives, or the peak a report
/// shows could be a different second from the one the live desktop showed.
@Suite struct DistressValueTests {
    static let model: RuleModel = {
        func input(_ name: String, _ points: [[Double]], _ weight: Double) -> ModelInput {
            ModelInput(name: name, label: name, metric: "customer.cues.\(name)", unit: "dB", transform: .piecewiseLinear(points), weight: weight)
        }
        let distress = ScoreDefinition(bias: 0.089, inputs: [
            input("pitchRiseSemitones", [[-6, -1], [6, 1]], 0.365), input("jitterRiseSemitones", [[-0.2, -1], [0.2, 1]], 0.408),
            input("levelRiseDb", [[-10, -1], [10, 1]], 0.1), input("flatnessRiseDb", [[-2, -1], [2, 1]], -0.227),
        ])
        return RuleModel(
            id: "test", version: "1", scale: .ces2, effort: ScoreDefinition(bias: 0, inputs: []), distress: distress,
            distressLevels: DistressLevels(elevated: 0.7, high: 0.9))
    }()

    @Test func valueAloneIsTheFullScoresValue() {
        let scorer = Scorer(model: Self.model)
        let names = Self.model.distress.inputs.map(\.metric)
        let values: [Double?] = [nil, -1e9, -7.3, -0.15, 0, 0.013, 0.19, 1.7, 5.99, 11, 1e9]
        var clamped = 0
        // Every combination of those values over the four inputs (11^4 windows), missing ones included.
        let combinations = names.reduce(1) { count, _ in count * values.count }
        for index in 0..<combinations {
            var metrics: [String: Double] = [:], rest = index
            for name in names {
                if let value = values[rest % values.count] { metrics[name] = value }
                rest /= values.count
            }
            let full = scorer.distress(metrics).value
            #expect(scorer.distressValue(metrics).bitPattern == full.bitPattern, "\(metrics)")
            if full == 0 || full == 1 { clamped += 1 }
        }
        #expect(clamped > 0 && clamped < combinations)  // both clamped and in-range values were compared
    }
}
