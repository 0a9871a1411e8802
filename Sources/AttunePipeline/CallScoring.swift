public import AttuneDSP
public import AttuneScoring

/// The scores section of a report.
public struct CallScores: Sendable, Equatable, Codable {
    public var effort: EffortScore
    public var distress: DistressReport
}

/// Customer distress over the call: the peak of the moving value (a window of the last
/// `distressCues.windowSeconds` against the customer's own baseline), with what drove it.
public struct DistressReport: Sendable, Equatable, Codable {
    /// 0 … 1; nil when it cannot be known (see `note`).
    public var value: Double?
    public var level: DistressLevel?
    public var basePoints: Double?
    /// At the peak, largest first.
    public var contributions: [Contribution]
    /// When the peak window ended (s from the start).
    public var peakAtSeconds: Double?
    /// Customer speech in the baseline (s).
    public var baselineSpeechSeconds: Double
    /// Why there is no value, when there is none.
    public var note: String?
}

/// Turns the customer's cue snapshots into distress values as they come, and scores the call
/// at its end. One per call, driven by `CallAnalyzer`.
public struct CallScoring: Sendable {
    let scorer: Scorer
    /// The latest moving distress value (0–1), when its window ended (s) and the window's cue
    /// metrics (calibration reads the window that ends a stream).
    private(set) var latest: (value: Double, seconds: Double, metrics: [String: Double])?
    /// The highest moving value so far, kept the same way. Contributions are built from the
    /// metrics only when asked for: every second's ten texts cost more than the scoring itself.
    private var peak: (value: Double, seconds: Double, metrics: [String: Double])?
    private var baselineSeconds = 0.0

    init(model: RuleModel) { scorer = Scorer(model: model) }

    /// The latest moving distress score with its contributions (built on each call: for the
    /// live desktop's update, not for checks after every chunk).
    var latestDistress: DistressScore? { latest.map { scorer.distress($0.metrics) } }

    /// The latest moving distress level (cheap).
    var latestDistressLevel: DistressLevel? { latest.map { scorer.model.distressLevels.level(of: $0.value) } }

    /// The cue metrics of the peak window (for fitting).
    var peakMetrics: [String: Double]? { peak?.metrics }

    /// Scores one snapshot of the customer's cues.
    mutating func add(_ snapshot: CueSnapshot) {
        let metrics = Self.metrics(of: snapshot)
        let value = scorer.distressValue(metrics)
        latest = (value, snapshot.endSeconds, metrics)
        baselineSeconds = snapshot.baseline.speechSeconds
        if peak == nil || value > peak!.value { peak = latest }
    }

    /// The cue metrics of a snapshot: the window relative to the speaker's own baseline.
    static func metrics(of snapshot: CueSnapshot) -> [String: Double] {
        metrics(window: snapshot.window, baseline: snapshot.baseline, windowSpikes: snapshot.windowSpikes)
    }

    /// The cue metrics of any window against any baseline (calibration uses speaker baselines).
    public static func metrics(window: CueSums, baseline: CueSums, windowSpikes: Int) -> [String: Double] {
        var metrics: [String: Double] = [:]
        metrics.reserveCapacity(12)
        // Whole names as literals: no string is built per second.
        func set(_ key: String, _ value: Double?) { if let value { metrics[key] = value } }
        func difference(_ a: Double?, _ b: Double?) -> Double? { a.flatMap { a in b.map { a - $0 } } }
        set("customer.cues.pitchRiseSemitones", difference(window.meanPitchSemitones, baseline.meanPitchSemitones))
        set("customer.cues.pitchSpreadRiseSemitones", difference(window.pitchSpreadSemitones, baseline.pitchSpreadSemitones))
        set("customer.cues.paceRisePerSecond", difference(window.syllablesPerSecond, baseline.syllablesPerSecond))
        set("customer.cues.brightnessRiseHz", difference(window.meanCentroidHz, baseline.meanCentroidHz))
        set("customer.cues.tiltDropDb", difference(baseline.meanTiltDb, window.meanTiltDb))
        set("customer.cues.jitterRiseSemitones", difference(window.meanJitterSemitones, baseline.meanJitterSemitones))
        set("customer.cues.levelRiseDb", difference(window.meanLevelDBFS, baseline.meanLevelDBFS))
        set("customer.cues.pitchFallSemitonesPerSecond", difference(baseline.meanPitchSlopeSemitonesPerSecond, window.meanPitchSlopeSemitonesPerSecond))
        set("customer.cues.harmonicityDropDb", difference(baseline.meanHarmonicityDb, window.meanHarmonicityDb))
        set("customer.cues.shimmerRiseDb", difference(window.meanShimmerDb, baseline.meanShimmerDb))
        set("customer.cues.flatnessRiseDb", difference(window.meanFlatnessDb, baseline.meanFlatnessDb))
        if window.speechFrames > 0 { set("customer.cues.raisedVoicePerMinute", Double(windowSpikes) / (window.speechSeconds / 60)) }
        return metrics
    }

    /// The call's scores from its finished report.
    func scores(report: CallReport, customerHeard: Bool) -> CallScores {
        let distress: DistressReport
        if let peak {
            let score = scorer.distress(peak.metrics)
            distress = DistressReport(
                value: rounded(score.value, places: 3), level: score.level, basePoints: rounded(score.basePoints, places: 2),
                contributions: score.contributions.map(Self.roundedContribution), peakAtSeconds: peak.seconds,
                baselineSpeechSeconds: baselineSeconds, note: nil)
        } else {
            let note = customerHeard
                ? "the customer spoke too little to set a baseline (distress compares the customer with their own earlier speech)"
                : "distress needs the customer's own channel (it is never inferred from the advisor or from a mix)"
            distress = DistressReport(value: nil, level: nil, basePoints: nil, contributions: [], peakAtSeconds: nil, baselineSpeechSeconds: baselineSeconds, note: note)
        }
        var metrics = Self.metrics(of: report)
        if let value = distress.value { metrics["scores.distress"] = value }
        var effort = scorer.effort(metrics)
        effort.value = rounded(effort.value, places: 2)
        effort.index = rounded(effort.index, places: 3)
        effort.basePoints = rounded(effort.basePoints, places: 2)
        effort.contributions = effort.contributions.map(Self.roundedContribution)
        return CallScores(effort: effort, distress: distress)
    }

    /// Every metric of a report by name: `call.NAME`, `PARTY.NAME`, `call.durationSeconds`.
    public static func metrics(of report: CallReport) -> [String: Double] {
        var metrics: [String: Double] = ["call.durationSeconds": report.durationSeconds]
        for field in CallMetrics.fields { if let value = field.value(in: report.metrics) { metrics["call." + field.name] = value } }
        for party in report.parties {
            guard let partyMetrics = report.metrics[party] else { continue }
            for field in PartyMetrics.fields { if let value = field.value(in: partyMetrics) { metrics[party.rawValue + "." + field.name] = value } }
        }
        return metrics
    }

    private static func roundedContribution(_ contribution: Contribution) -> Contribution {
        var copy = contribution
        copy.points = rounded(contribution.points, places: 3)
        copy.value = contribution.value.map { rounded($0, places: 2) }
        return copy
    }
}
