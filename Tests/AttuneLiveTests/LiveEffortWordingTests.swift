import AttuneDSP
import AttuneLive
import AttunePipeline
import AttuneScoring
import AttuneTestSupport
import Foundation
import Testing

/// Live updates say effort in the reader's direction (issue 14, item 9): `effort.level` in words,
/// and each reason in `why` with `scaleChange` (the change it makes to `effort.value` on the
/// survey's scale) and `effect`. Hand-computed from `EffortWordingFixture`'s model: the call is
/// `high` effort on both scales; "call length" adds 0.25 of the span, "easing input" takes 0.0625
/// of it away ("advisor pitch", unknown, adds nothing and is not among the reasons).
@Suite struct LiveEffortWordingTests {
    struct Expected: Sendable, CustomTestStringConvertible {
        var name: String
        var scale: SurveyScale
        /// Input, effort points, change of the shown value, effect: largest first.
        var why: [(input: String, points: Double, scaleChange: Double, effect: String)]
        var testDescription: String { name }
    }

    static let cases = [
        Expected(name: "CES 2.0 (1–7, 7 = very easy)", scale: .ces2, why: [("call length", 1.5, -1.5, "harder"), ("easing input", -0.375, 0.375, "easier")]),
        Expected(name: "CES 1.0 (1–5, 5 = very high effort)", scale: .ces1, why: [("call length", 1.0, 1.0, "harder"), ("easing input", -0.25, -0.25, "easier")]),
    ]

    @Test(arguments: cases)
    func updatesAndTheEndOfTheCallGiveTheLevelAndEachReasonInTheScalesDirection(_ expected: Expected) throws {
        var live = try LiveCall(
            setup: LiveCallSetup(callId: "wording", agentId: "alice", team: "north", layout: .stereo(advisorChannel: 0), sampleRateHz: EffortWordingFixture.sampleRateHz),
            source: "test", startedAt: "2026-12-05T09:00:00Z", configuration: .default, model: EffortWordingFixture.model(scale: expected.scale),
            options: LiveOptions())
        var messages: [LiveMessage] = []
        let scratch = FrameScratchPool()
        let step = 2 * EffortWordingFixture.sampleRateHz / 50
        let audio = EffortWordingFixture.silentCall
        for start in stride(from: 0, to: audio.count, by: step) { messages += live.push(Array(audio[start..<min(start + step, audio.count)]), scratch: scratch) }
        let ended = live.finish().ended
        // The last update (from 5 s on every input is at its full value) and the call's end.
        let update = try #require(messages.last { if case .update = $0 { true } else { false } }, "no update")
        for message in [update, .callEnded(ended)] {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(message.jsonText().utf8)) as? [String: Any])
            let effort = try #require(json["effort"] as? [String: Any], "\(json["type"] ?? "?"): no effort")
            #expect(effort["level"] as? String == "high", "\(json["type"] ?? "?")")
            let why = try #require(effort["why"] as? [[String: Any]])
            #expect(why.count == expected.why.count, "\(json["type"] ?? "?"): \(why)")
            for (shown, wanted) in zip(why, expected.why) {
                #expect(shown["input"] as? String == wanted.input)
                #expect(shown["points"] as? Double == wanted.points, "effort points are kept")
                #expect(shown["scaleChange"] as? Double == wanted.scaleChange, "\(json["type"] ?? "?") \(wanted.input): \(shown)")
                #expect(shown["effect"] as? String == wanted.effect, "\(json["type"] ?? "?") \(wanted.input): \(shown)")
            }
        }
    }
}
