public import AttuneDSP
public import AttunePipeline
import AttuneScoring
import Crypto
import FoundationEssentials

/// One live call's analysis: the batch's `CallAnalyzer`, fed as audio arrives, plus what a desktop
/// needs from it as it goes: an update every `updateIntervalSeconds` of audio and alerts the
/// moment they hold. Owned by the task that reads the call's stream (not `Sendable`: it never
/// leaves it); only messages and the final report do.
public struct LiveCall {
    public let info: LiveCallInfo
    public let setup: LiveCallSetup
    private var analyzer: CallAnalyzer
    private var watcher: AlertWatcher
    private let updateIntervalFrames: Int
    private var nextUpdateFrame: Int
    /// SHA-256 of the audio as analysed (interleaved Float32, little-endian): the stored result's
    /// content key, the same however the frames arrived.
    private var hasher = SHA256()
    /// Audio received (s).
    public private(set) var receivedSeconds = 0.0

    /// - Throws: `AnalysisSetupError` for an unusable rate or layout.
    public init(
        setup: LiveCallSetup, source: String, startedAt: String, configuration: AnalysisConfiguration, model: LoadedModel?,
        options: LiveOptions
    ) throws(AnalysisSetupError) {
        self.setup = setup
        info = LiveCallInfo(callId: setup.callId, agentId: setup.agentId, team: setup.team, source: source, startedAt: startedAt)
        analyzer = try CallAnalyzer(
            callId: setup.callId, layout: setup.layout, sampleRateHz: setup.sampleRateHz, configuration: configuration, model: model)
        watcher = AlertWatcher(
            layout: setup.layout, deadAirMinimumFrames: AnalysisGrid.frames(seconds: configuration.turns.deadAirMinimumSeconds),
            throttleFrames: AnalysisGrid.frames(seconds: options.alertThrottleSeconds))
        updateIntervalFrames = max(1, AnalysisGrid.frames(seconds: options.updateIntervalSeconds))
        nextUpdateFrame = updateIntervalFrames
    }

    /// Analyses the next interleaved samples, in work buffers lent by `scratch`, and returns what to
    /// push: alerts that now hold, and an update when the audio has crossed the next update time.
    public mutating func push(_ samples: [Float], scratch: FrameScratchPool) -> [LiveMessage] {
        samples.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        scratch.withScratch { analyzer.push(interleaved: samples, scratch: &$0) }
        receivedSeconds = analyzer.durationSeconds
        var messages: [LiveMessage] = []
        watcher.check(analyzer) { messages.append(.alert(LiveAlert(call: info, cause: $0.cause, atSeconds: $0.atSeconds, streamSeconds: $0.streamSeconds, party: $0.party, message: $0.message))) }
        let decided = decidedFrames
        if decided >= nextUpdateFrame {
            messages.append(.update(update()))
            while nextUpdateFrame <= decided { nextUpdateFrame += updateIntervalFrames }
        }
        return messages
    }

    /// The call's state now.
    public func update() -> LiveUpdate {
        Self.update(from: analyzer.provisionalReport(), analyzer: analyzer, info: info, silenceFrames: watcher.silenceFrames(analyzer))
    }

    /// Ends the call: its final report (exactly what `attune analyze` gives for the same audio)
    /// and the SHA-256 of the audio analysed.
    public mutating func finish() -> (report: CallReport, contentSha256: String, ended: LiveCallEnded) {
        let report = analyzer.finish()
        let digest = hasher.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        let ended = LiveCallEnded(
            call: info, durationSeconds: report.durationSeconds, effort: report.scores.map { Self.effort($0.effort) },
            distressValue: report.scores?.distress.value, distressLevel: report.scores?.distress.level, stored: false)
        return (report, digest, ended)
    }

    private var decidedFrames: Int { analyzer.liveState(of: setup.layout.parties[0])?.decidedFrames ?? 0 }

    // MARK: - Building updates

    static func update(from report: CallReport, analyzer: CallAnalyzer, info: LiveCallInfo, silenceFrames: Int) -> LiveUpdate {
        let metrics = report.metrics
        var talk: [String: LiveUpdate.Talk] = [:]
        var interruptions: [String: Int] = [:]
        var raised: [String: Int] = [:]
        for party in report.parties {
            guard let partyMetrics = metrics[party] else { continue }
            talk[party.rawValue] = LiveUpdate.Talk(seconds: partyMetrics.talkSeconds ?? 0, share: partyMetrics.talkShare)
            interruptions[party.rawValue] = Int(partyMetrics.interruptionsMade ?? 0)
            raised[party.rawValue] = Int(partyMetrics.energySpikes ?? 0)
        }
        var distress: LiveUpdate.Distress? = nil
        var note: String? = nil
        if let moving = analyzer.movingDistress {
            distress = LiveUpdate.Distress(
                value: rounded(moving.score.value, places: 3), level: moving.score.level,
                windowSeconds: analyzer.configuration.distressCues.windowSeconds, why: Self.why(moving.score.contributions))
        } else if analyzer.model != nil {
            note = report.parties.contains(.customer)
                ? "waiting for \(Int(analyzer.configuration.distressCues.minimumBaselineSeconds)) s of the customer's speech to learn their usual voice"
                : "distress needs the customer's own channel"
        }
        return LiveUpdate(
            call: info, streamSeconds: report.durationSeconds, receivedSeconds: rounded(analyzer.durationSeconds, places: 2), effort: report.scores.map { effort($0.effort) }, distress: distress,
            distressNote: note, talk: talk, silenceSeconds: AnalysisGrid.seconds(frames: silenceFrames),
            deadAirSeconds: metrics.deadAirSeconds, deadAirCount: metrics.deadAirCount.map { Int($0) },
            deadAirThresholdSeconds: analyzer.configuration.turns.deadAirMinimumSeconds,
            overtalkSeconds: metrics.overtalkSeconds, overtalkCount: metrics.overtalkCount.map { Int($0) },
            interruptions: interruptions, raisedVoice: raised, holdSeconds: metrics.holdSeconds, holdCount: metrics.holdCount.map { Int($0) },
            onHoldSinceSeconds: AlertWatcher.playsHoldMaterial(analyzer, report.parties) ? report.events(.hold).last?.startSeconds : nil)
    }

    static func effort(_ score: EffortScore) -> LiveUpdate.Effort {
        LiveUpdate.Effort(value: score.value, scale: score.scale, index: score.index, why: why(score.contributions))
    }

    /// The (at most three) largest contributions that add anything.
    static func why(_ contributions: [Contribution]) -> [Contribution] {
        Array(contributions.filter(\.isNoticeable).prefix(3))
    }
}
