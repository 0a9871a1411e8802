/// The streaming signal engine: interleaved samples of one or two channels in, per-channel turns,
/// spikes and statistics out. Pure: no I/O, no clock, no globals.
///
/// Everything happens sample by sample and frame by frame, so feeding a recording whole or in
/// chunks of any size gives bit-identical results. With two channels, each channel's speech
/// decision also sees the other channel's recent band powers, to reject crosstalk and echo bleed.
///
/// ```swift
/// var engine = SignalEngine(configuration: .default, channelCount: 2, inputSampleRateHz: 8000)
/// engine.push(interleaved: chunk)      // any number of times, any chunk size
/// let summary = engine.finish()
/// ```
public struct SignalEngine: Sendable {
    /// Channels in the interleaved input (1 or 2).
    public let channelCount: Int
    /// The most channels an engine takes.
    static let maximumChannelCount = 2
    /// Input sample rate (Hz).
    public let inputSampleRateHz: Int
    /// Input samples received per channel.
    public private(set) var inputSampleCount = 0
    private var channels: [ChannelAnalyzer]
    /// The "other channel" of a mono stream: no bleed (one array for every engine).
    private let silence = Self.sharedSilence
    private static let sharedSilence = [Float](repeating: 0, count: BandLayout.bandCount)
    /// Frames analysed so far.
    public private(set) var frameCount = 0
    /// FFT work buffers, shared by the channels: made at the first push or finish that brings none
    /// (a live server lends each push one instead: `push(interleaved:scratch:)`).
    private var ownScratch: FrameScratch?

    /// Sample rates the engine accepts: 8 kHz or more, in a simple ratio to 8 kHz.
    public static func supports(sampleRateHz: Int) -> Bool {
        PolyphaseResampler.supports(inputRateHz: sampleRateHz, outputRateHz: AnalysisGrid.sampleRateHz)
    }

    /// - Parameters:
    ///   - tracesFrames: keep every frame's measurements for `ChannelSummary.trace` (a debugging
    ///     aid: memory then grows with the stream's length).
    ///   - cueChannel: the channel whose distress cues are followed (the customer's), if any.
    ///   - rejectsFarTalkers: whether each channel carries one talker, whose room's other voices
    ///     are not theirs (`NearFieldGate`); false for a mono mix of several parties.
    /// - Precondition: `channelCount` is 1 or 2, `supports(sampleRateHz:)` and the configuration validates.
    public init(
        configuration: AnalysisConfiguration, channelCount: Int, inputSampleRateHz: Int, tracesFrames: Bool = false,
        cueChannel: Int? = nil, rejectsFarTalkers: Bool = true
    ) {
        precondition((1...Self.maximumChannelCount).contains(channelCount), "1 or 2 channels")
        precondition(Self.supports(sampleRateHz: inputSampleRateHz), "unsupported sample rate")
        self.channelCount = channelCount
        self.inputSampleRateHz = inputSampleRateHz
        channels = (0..<channelCount).map {
            ChannelAnalyzer(
                configuration: configuration, channel: $0, inputSampleRateHz: inputSampleRateHz, tracesFrames: tracesFrames,
                tracksCues: $0 == cueChannel, rejectsFarTalkers: rejectsFarTalkers)
        }
    }

    /// Feeds interleaved samples (`count` a multiple of `channelCount`), values nominally in [-1, 1].
    public mutating func push(interleaved samples: UnsafeBufferPointer<Float>) {
        var scratch = takeOwnScratch()
        push(interleaved: samples, scratch: &scratch)
        ownScratch = scratch
    }

    /// Feeds interleaved samples, working in `scratch`: FFT buffers this engine uses only during
    /// the call and keeps nothing in, so one set can serve many engines, one push at a time
    /// (results are the same as with the engine's own).
    public mutating func push(interleaved samples: UnsafeBufferPointer<Float>, scratch: inout FrameScratch) {
        precondition(samples.count % channelCount == 0, "interleaved chunk must hold whole sample frames")
        let stride = channelCount
        withChannels(scratch: &scratch) { channels, silence, scratch in
            let frameCount = samples.count / stride
            if channels[0].isAtAnalysisRate {
                // Copy runs up to each frame boundary: the channels complete frames together.
                var done = 0
                while done < frameCount {
                    let run = min(frameCount - done, channels[0].assembler.samplesUntilNextFrame)
                    var completed = false
                    for c in 0..<stride { completed = channels[c].append(from: samples, start: done * stride + c, stride: stride, count: run) }
                    done += run
                    if completed { Self.processFrame(channels, silence: silence, scratch: &scratch) }
                }
            } else {
                var i = 0
                while i < samples.count {
                    var completed = false
                    for c in 0..<stride { completed = channels[c].push(samples[i + c]) }
                    if completed { Self.processFrame(channels, silence: silence, scratch: &scratch) }
                    i += stride
                }
            }
        }
        frameCount = channels[0].assembler.nextFrameIndex
        inputSampleCount += samples.count / channelCount
    }

    /// Feeds interleaved samples from an array.
    public mutating func push(interleaved samples: [Float]) {
        samples.withUnsafeBufferPointer { push(interleaved: $0) }
    }

    /// The engine's own work buffers, made now if it has none (they are kept between pushes).
    private mutating func takeOwnScratch() -> FrameScratch {
        defer { ownScratch = nil }  // moved out, so the buffers stay uniquely referenced
        return ownScratch ?? FrameScratch()
    }

    /// The cue snapshots made since the last call (one per second once the customer's baseline
    /// and window hold enough speech), oldest first; they are then forgotten.
    public mutating func takeCueSnapshots(_ body: (CueSnapshot) -> Void) {
        for c in 0..<channelCount { channels[c].takeCueSnapshots(body) }
    }

    /// Duration of the input so far (s).
    public var durationSeconds: Double { Double(inputSampleCount) / Double(inputSampleRateHz) }

    /// Each channel so far, as `finish()` would report it had the stream ended at the last decided
    /// frame (see `ChannelAnalyzer.snapshot()`). Changes nothing.
    public func snapshot() -> [ChannelSummary] { channels.map { $0.snapshot() } }

    /// A channel's progress (cheap: for checks after every chunk).
    public func liveState(ofChannel channel: Int) -> ChannelLiveState { channels[channel].liveState }

    /// Ends the stream: flushes the resampler, pads the last frames with zeros, and returns what
    /// each channel measured.
    public mutating func finish() -> [ChannelSummary] {
        let totalFrames = FrameAssembler.frameCount(forSampleCount: channels[0].analysisSampleCount(forInputCount: inputSampleCount))
        var scratch = takeOwnScratch()
        defer { ownScratch = scratch }
        withChannels(scratch: &scratch) { channels, silence, scratch in
            // The channels run in lockstep, so they complete frames together.
            while let completed = channels[0].flushResampler() {
                for c in 1..<channels.count { _ = channels[c].flushResampler() }
                if completed { Self.processFrame(channels, silence: silence, scratch: &scratch) }
            }
            while channels[0].assembler.nextFrameIndex < totalFrames {
                var completed = false
                for c in 0..<channels.count { completed = channels[c].pad() }
                if completed { Self.processFrame(channels, silence: silence, scratch: &scratch) }
            }
        }
        frameCount = channels[0].assembler.nextFrameIndex
        return (0..<channelCount).map { channels[$0].finish() }
    }

    /// Runs `body` on the channels in place: no copies of the analyzers.
    private mutating func withChannels(
        scratch: inout FrameScratch, _ body: (UnsafeMutableBufferPointer<ChannelAnalyzer>, [Float], inout FrameScratch) -> Void
    ) {
        let silence = self.silence
        channels.withUnsafeMutableBufferPointer { body($0, silence, &scratch) }
    }

    /// One frame, all channels: spectra first, then each channel's decision against the other's bleed.
    private static func processFrame(_ channels: UnsafeMutableBufferPointer<ChannelAnalyzer>, silence: [Float], scratch: inout FrameScratch) {
        for c in 0..<channels.count { channels[c].analyzeFrame(scratch: &scratch) }
        if channels.count == 2 {
            channels[0].decide(otherRecentMaximum: channels[1].recentMaximumBands, scratch: &scratch)
            channels[1].decide(otherRecentMaximum: channels[0].recentMaximumBands, scratch: &scratch)
        } else {
            channels[0].decide(otherRecentMaximum: silence, scratch: &scratch)
        }
    }
}
