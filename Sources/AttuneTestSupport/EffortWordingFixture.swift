public import AttunePipeline
public import AttuneScoring

/// A scoring model whose effort on a silent call is known by hand, for the tests of how effort is
/// said to readers (issue 14, item 9). Effort index = 0.5 (bias) + 0.25 ("call length": 1 from
/// 5 s on) − 0.0625 ("easing input": the same metric, taking effort away) + 0 ("advisor pitch":
/// unknown on silence) = 0.6875: `high`. In effort points (× the scale's span): +0.25·span,
/// −0.0625·span and 0. On CES 2.0 (span 6, 7 = very easy): value 7 − 0.6875·6 = 2.875 (the report
/// rounds it to 2.88), points +1.5, −0.375, 0; on CES 1.0 (span 4, 1 = very easy): value
/// 1 + 0.6875·4 = 3.75, points +1.0, −0.25, 0. All exact in binary.
public enum EffortWordingFixture {
    /// The model on `scale`.
    public static func model(scale: SurveyScale) -> LoadedModel {
        let saturatingAtFive = Transform.piecewiseLinear([[0, 0], [5, 1]])
        let effort = ScoreDefinition(bias: 0.5, inputs: [
            ModelInput(name: "callLength", label: "call length", metric: "call.durationSeconds", unit: "s", transform: saturatingAtFive, weight: 0.25),
            ModelInput(name: "easing", label: "easing input", metric: "call.durationSeconds", unit: "s", transform: saturatingAtFive, weight: -0.0625),
            ModelInput(name: "advisorPitch", label: "advisor pitch", metric: "advisor.pitchMedianHz", unit: "Hz", transform: saturatingAtFive, weight: 0.5),
        ])
        let model = RuleModel(
            id: "effort-wording", version: "1.0.0", scale: scale, effort: effort, distress: ScoreDefinition(bias: 0, inputs: []),
            distressLevels: DistressLevels(elevated: 0.5, high: 0.7))
        return LoadedModel(model: model, sha256: "effort-wording", path: "effort-wording.json")
    }

    /// Sample rate of `silentCall` (Hz).
    public static let sampleRateHz = 8000

    /// 10 s of silence on both channels (advisor first), interleaved.
    public static let silentCall = [Float](repeating: 0, count: 2 * 8000 * 10)

    /// The silent call's report, scored with `model(scale:)`.
    public static func report(scale: SurveyScale, callId: String = "effort-wording") throws -> CallReport {
        var analyzer = try CallAnalyzer(
            callId: callId, layout: .stereo(advisorChannel: 0), sampleRateHz: sampleRateHz, model: model(scale: scale))
        analyzer.push(interleaved: silentCall)
        return analyzer.finish()
    }
}
