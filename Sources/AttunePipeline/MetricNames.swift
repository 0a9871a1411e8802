import AttuneDSP

extension LoadedModel {
    /// The customer cue metrics (`customer.cues.NAME`) that `CallScoring.metrics(window:baseline:windowSpikes:)`
    /// sets for distress (`MetricNamesTests` checks the two agree).
    public static let cueMetricNames: [String] = [
        "pitchRiseSemitones", "pitchSpreadRiseSemitones", "paceRisePerSecond", "brightnessRiseHz", "tiltDropDb", "jitterRiseSemitones",
        "levelRiseDb", "pitchFallSemitonesPerSecond", "harmonicityDropDb", "shimmerRiseDb", "flatnessRiseDb", "raisedVoicePerMinute",
    ].map { "customer.cues." + $0 }

    /// Every metric a model input may read: `call.` + each `CallMetrics.fields` name,
    /// `advisor.`/`customer.`/`mixed.` + each `PartyMetrics.fields` name, `call.durationSeconds`,
    /// `scores.distress` and the customer cues (`cueMetricNames`). A model file naming any other
    /// metric is refused on load (a misspelt metric would contribute nothing to every call).
    public static let knownMetricNames: Set<String> = {
        var names: Set<String> = ["call.durationSeconds", "scores.distress"]
        names.formUnion(CallMetrics.fields.map { "call." + $0.name })
        for party in Party.allCases {
            names.formUnion(PartyMetrics.fields.map { party.rawValue + "." + $0.name })
        }
        names.formUnion(cueMetricNames)
        return names
    }()
}
