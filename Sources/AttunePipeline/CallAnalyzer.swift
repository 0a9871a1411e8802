public import AttuneDSP
public import AttuneScoring

/// One call's analysis, fed incrementally: the same code for a file (batch) and a live stream.
///
/// ```swift
/// var analyzer = try CallAnalyzer(callId: "c1", layout: .stereo(advisorChannel: 0), sampleRateHz: 8000)
/// analyzer.push(interleaved: chunk)   // any chunk size: results do not depend on it
/// let report = analyzer.finish()
/// ```
/// Owned by one task; only the `CallReport` it returns crosses tasks.
public struct CallAnalyzer: Sendable {
    public let callId: String
    public let layout: ChannelLayout
    /// The input's sample rate (Hz).
    public let sampleRateHz: Int
    public let configuration: AnalysisConfiguration
    /// The scoring model, if scores are wanted.
    public let model: LoadedModel?
    private var engine: SignalEngine
    private var scoring: CallScoring?
    /// Each party's per-frame trace after `finish()`, when tracing was asked for.
    public private(set) var frameTraces: [Party: [FrameTrace]] = [:]
    /// The customer's distress cues over the whole call, after `finish()` (when scoring).
    public private(set) var customerCueTotals: CueSums?

    /// - Throws: `AnalysisSetupError` for an unusable sample rate, channel choice or configuration.
    public init(
        callId: String, layout: ChannelLayout, sampleRateHz: Int, configuration: AnalysisConfiguration = .default,
        model: LoadedModel? = nil, tracesFrames: Bool = false
    ) throws(AnalysisSetupError) {
        do { try configuration.validate() } catch { throw AnalysisSetupError.configuration(error) }
        guard SignalEngine.supports(sampleRateHz: sampleRateHz) else { throw AnalysisSetupError.unsupportedSampleRate(sampleRateHz) }
        if case .stereo(let advisorChannel) = layout, !(0...1).contains(advisorChannel) {
            throw AnalysisSetupError.advisorChannelOutOfRange(advisorChannel)
        }
        self.callId = callId
        self.layout = layout
        self.sampleRateHz = sampleRateHz
        self.configuration = configuration
        self.model = model
        scoring = model.map { CallScoring(model: $0.model) }
        // Distress cues are followed on the customer's own channel only: never the advisor's,
        // and never a mix of both.
        let customerChannel = layout.parties.firstIndex(of: .customer)
        engine = SignalEngine(
            configuration: configuration, channelCount: layout.channelCount, inputSampleRateHz: sampleRateHz, tracesFrames: tracesFrames,
            cueChannel: model == nil ? nil : customerChannel, rejectsFarTalkers: layout != .mono(party: .mixed))
    }

    /// Channels per sample frame in pushed chunks.
    public var channelCount: Int { layout.channelCount }

    /// Feeds interleaved samples (`layout.channelCount` per sample frame), nominally in [-1, 1].
    public mutating func push(interleaved samples: UnsafeBufferPointer<Float>) {
        engine.push(interleaved: samples)
        scoreNewCues()
    }

    /// Feeds interleaved samples, the engine working in lent buffers
    /// (`SignalEngine.push(interleaved:scratch:)`): the same results, without a set kept per call.
    public mutating func push(interleaved samples: [Float], scratch: inout FrameScratch) {
        samples.withUnsafeBufferPointer { engine.push(interleaved: $0, scratch: &scratch) }
        scoreNewCues()
    }

    /// Feeds interleaved samples from an array.
    public mutating func push(interleaved samples: [Float]) {
        samples.withUnsafeBufferPointer { push(interleaved: $0) }
    }

    /// The customer's cue metrics at the distress peak so far (calibration fits on these).
    public var distressPeakMetrics: [String: Double]? { scoring?.peakMetrics }

    /// The customer's cue metrics over the latest window scored (calibration reads the window
    /// that ends a stream).
    public var latestDistressMetrics: [String: Double]? { scoring?.latest?.metrics }

    /// The customer's distress over the last window, as of the latest second scored, with its
    /// contributions (live updates; built on each call).
    public var movingDistress: (score: DistressScore, atSeconds: Double)? {
        guard let scoring, let score = scoring.latestDistress, let seconds = scoring.latest?.seconds else { return nil }
        return (score, seconds)
    }

    /// The level of `movingDistress` alone: cheap enough for checks after every chunk.
    public var movingDistressLevel: (level: DistressLevel, atSeconds: Double)? {
        guard let scoring, let level = scoring.latestDistressLevel, let seconds = scoring.latest?.seconds else { return nil }
        return (level, seconds)
    }

    private mutating func scoreNewCues() {
        guard scoring != nil else { return }
        engine.takeCueSnapshots { scoring!.add($0) }
    }

    /// Audio received so far (s).
    public var durationSeconds: Double { engine.durationSeconds }

    /// Ends the call and returns its report.
    public mutating func finish() -> CallReport {
        let duration = engine.durationSeconds
        let channels = engine.finish()
        scoreNewCues()
        for (party, channel) in zip(layout.parties, channels) {
            frameTraces[party] = channel.trace
            if party == .customer { customerCueTotals = channel.cueTotals }
        }
        return report(durationSeconds: duration, frameCount: engine.frameCount, channels: channels)
    }

    /// The call so far, as its report would read had it ended at the last decided frame (live
    /// updates). Changes nothing; the same code as `finish()` builds it.
    public func provisionalReport() -> CallReport {
        let frames = engine.liveState(ofChannel: 0).decidedFrames
        return report(durationSeconds: AnalysisGrid.seconds(frames: frames), frameCount: frames, channels: engine.snapshot())
    }

    /// A channel's progress, by party (cheap: live calls check it after every chunk).
    public func liveState(of party: Party) -> ChannelLiveState? {
        layout.channel(of: party).map { engine.liveState(ofChannel: $0) }
    }

    private func report(durationSeconds: Double, frameCount: Int, channels: [ChannelSummary]) -> CallReport {
        var report = CallReport(
            callId: callId, layout: layout, sampleRateHz: sampleRateHz, durationSeconds: durationSeconds,
            frameCount: frameCount, channels: channels, configuration: configuration)
        if let scoring, let model {
            report.scores = scoring.scores(report: report, customerHeard: layout.parties.contains(.customer))
            report.model = CallReport.ModelReference(
                id: model.model.id, version: model.model.version, sha256: model.sha256, heldOutSpearman: model.model.fit?.heldOut.spearman)
        }
        return report
    }
}

/// Why an analysis could not start.
public enum AnalysisSetupError: Error, Sendable, Equatable, CustomStringConvertible {
    case unsupportedSampleRate(Int)
    case advisorChannelOutOfRange(Int)
    case configuration(ConfigurationError)

    public var description: String {
        switch self {
        case .unsupportedSampleRate(let rate):
            "sample rate \(rate) Hz is not supported (needs \(AudioLimits.sampleRateRequirement))"
        case .advisorChannelOutOfRange(let channel):
            "advisor channel \(channel) does not exist (0 or 1)"
        case .configuration(let error):
            "invalid setting \(error)"
        }
    }
}
