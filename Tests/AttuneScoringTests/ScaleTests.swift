import AttunePipeline
import AttuneScoring
import AttuneTestSupport
import Foundation
import Testing

/// The same call on CES 2.0 (1–7, higher = easier), CES 1.0 (1–5, higher = more effort) and a
/// 1–9 scale (9 = least effort) sits at the same position, set by the model file alone.
@Suite struct ScaleTests {
    /// The shipped model file with its scale replaced (as an analyst would edit it).
    static func model(scale: [String: Any]) throws -> RuleModel {
        var json = try ModelFileTests.defaultModelJSON()
        json["scale"] = scale
        return try RuleModel(jsonData: try JSONSerialization.data(withJSONObject: json), source: "scaled.json")
    }

    @Test func sameCallSamePositionOnEveryScale() throws {
        let ces2 = try Self.model(scale: ["min": 1, "max": 7, "higherIsEasier": true])
        let ces1 = try Self.model(scale: ["min": 1, "max": 5, "higherIsEasier": false])
        let nine = try Self.model(scale: ["min": 1, "max": 9, "higherIsEasier": true])
        #expect(ces2.scale == .ces2 && ces1.scale == .ces1 && nine.scale == .nine)
        let calls: [[String: Double]] = [
            [:],
            ["call.deadAirSeconds": 41, "advisor.interruptionsMade": 2, "customer.energySpikesPerMinute": 1.5, "call.durationSeconds": 400],
            ["call.deadAirSeconds": 200, "advisor.interruptionsMade": 9, "call.interruptionCount": 14, "call.overtalkShare": 0.3,
             "customer.energySpikesPerMinute": 8, "scores.distress": 1, "customer.longestTurnSeconds": 40, "advisor.responseGapMeanSeconds": 4,
             "call.durationSeconds": 1800],
        ]
        var indices: [Double] = []
        for metrics in calls {
            let a = Scorer(model: ces2).effort(metrics), b = Scorer(model: ces1).effort(metrics), c = Scorer(model: nine).effort(metrics)
            #expect(a.index == b.index && b.index == c.index)
            // Position from the easy end: CES 2.0 and 1–9 count down from max, CES 1.0 up from min.
            #expect(abs((7 - a.value) / 6 - a.index) < 1e-12)
            #expect(abs((b.value - 1) / 4 - a.index) < 1e-12)
            #expect(abs((9 - c.value) / 8 - a.index) < 1e-12)
            // Each scale reads its own value back as the same effort.
            #expect(abs(ces2.scale.effortIndex(of: a.value) - a.index) < 1e-12)
            #expect(abs(ces1.scale.effortIndex(of: b.value) - a.index) < 1e-12)
            #expect(abs(nine.scale.effortIndex(of: c.value) - a.index) < 1e-12)
            // Contributions are points of effort on each scale: in proportion to its span.
            for (x, (y, z)) in zip(a.contributions, zip(b.contributions, c.contributions)) {
                #expect(x.input == y.input && y.input == z.input)
                #expect(abs(x.points / 6 - y.points / 4) < 1e-12 && abs(x.points / 6 - z.points / 8) < 1e-12)
            }
            indices.append(a.index)
        }
        // The calls differ: an easy call sits at the easy end of every scale, a hard one near the other.
        #expect(indices[0] < indices[1] && indices[1] < indices[2])
        #expect(Scorer(model: ces2).effort(calls[0]).value > 4 && Scorer(model: ces1).effort(calls[0]).value < 3)
        #expect(Scorer(model: ces2).effort(calls[2]).value < 4 && Scorer(model: ces1).effort(calls[2]).value > 3)
    }

    @Test func midpointMapsToEachScalesMiddle() {
        #expect(SurveyScale.ces2.value(forEffortIndex: 0.5) == 4)
        #expect(SurveyScale.ces1.value(forEffortIndex: 0.5) == 3)
        #expect(SurveyScale.nine.value(forEffortIndex: 0.5) == 5)
        #expect(SurveyScale.ces2.value(forEffortIndex: 0) == 7 && SurveyScale.ces1.value(forEffortIndex: 0) == 1 && SurveyScale.nine.value(forEffortIndex: 0) == 9)
        #expect(SurveyScale.ces2.value(forEffortIndex: 1.4) == 1)  // clamped
    }
}
