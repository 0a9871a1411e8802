import AttuneScoring
import Testing

/// The scorer prints any finite number (issue 14, item 10: a weight or scale of 1e18 trapped in
/// the one-decimal rounding, SIGILL). Models read from files are bounded to ±1e6 on load
/// (`ModelFileTests`); a model built in code is not, and must still never crash the scorer.
@Suite struct ScorerNumberTests {
    static func model(
        weight: Double, scale: SurveyScale, bias: Double = 0, unit: String = "s", transform: Transform = .piecewiseLinear([[0, 0], [1e300, 1e300]])
    ) -> RuleModel {
        let input = ModelInput(name: "deadAir", label: "dead air", metric: "call.deadAirSeconds", unit: unit, transform: transform, weight: weight)
        return RuleModel(
            id: "huge", version: "1", scale: scale, effort: ScoreDefinition(bias: bias, inputs: [input]),
            distress: ScoreDefinition(bias: bias, inputs: [input]), distressLevels: DistressLevels(elevated: 0.7, high: 0.9))
    }

    @Test(arguments: [1e18, -1e18, 1e300, -1e300, 9.3e17, 123_456_789_012.34])
    func hugeWeightsPrintWithoutTrapping(_ weight: Double) {
        let scorer = Scorer(model: Self.model(weight: weight, scale: SurveyScale(min: 1, max: 1e18, higherIsEasier: true)))
        let effort = scorer.effort(["call.deadAirSeconds": 40])
        let contribution = effort.contributions[0]
        #expect(contribution.text.hasPrefix("dead air 40 s: "))
        #expect(contribution.text.hasPrefix("dead air 40 s: " + (weight < 0 ? "−" : "+")))
        #expect(effort.index == (weight < 0 ? 0 : 1))
        let distress = scorer.distress(["call.deadAirSeconds": 40])
        #expect(distress.contributions[0].text.hasPrefix("dead air 40 s: "))
    }

    @Test func valuesOfAnyMagnitudePrint() {
        let flat = Transform.piecewiseLinear([[0, 0], [1, 0]])
        let scorer = Scorer(model: Self.model(weight: 0, scale: .ces2, transform: flat))
        #expect(scorer.effort(["call.deadAirSeconds": 1e300]).contributions[0].text == "dead air 1e+300 s: +0.0")
        #expect(scorer.effort(["call.deadAirSeconds": 2.5e18]).contributions[0].text == "dead air 2.5e+18 s: +0.0")
        #expect(scorer.effort(["call.deadAirSeconds": 41]).contributions[0].text == "dead air 41 s: +0.0")
        #expect(scorer.effort(["call.deadAirSeconds": 41.26]).contributions[0].text == "dead air 41.3 s: +0.0")
        #expect(scorer.effort(["call.deadAirSeconds": 3e9]).contributions[0].text == "dead air 3000000000 s: +0.0")
        let share = Scorer(model: Self.model(weight: 0, scale: .ces2, unit: "share", transform: flat))
        #expect(share.effort(["call.deadAirSeconds": 1e18]).contributions[0].text == "dead air 1e+20 %: +0.0")
        #expect(share.effort(["call.deadAirSeconds": 0.07]).contributions[0].text == "dead air 7 %: +0.0")
        // Points of ordinary size keep their one decimal and sign.
        let ordinary = Scorer(model: Self.model(weight: 0.02, scale: .ces2))
        #expect(ordinary.effort(["call.deadAirSeconds": 5]).contributions[0].text == "dead air 5 s: +0.6")
    }
}
