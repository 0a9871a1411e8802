/// What is kept of a frame while its speech decision is pending.
struct FrameRecord: Sendable {
    var features = SpectralFeatures()
    var pitch = PitchEstimate.unvoiced
    /// The line's noise power in the measured band when the frame was scored (mean-square).
    var noisePower: Float = 0
    /// Band flatness (dB), on the customer's channel only (`CueTracker`).
    var flatnessDb: Float = 0
}

/// What only the frame trace needs of a pending frame (kept only when frames are traced).
struct FrameTraceRecord: Sendable {
    var score: Float = 0
    var noiseDBFS: Float = 0
    /// What the far-talker gate saw (set when the gate gives the frame out).
    var nearField = NearFieldGate.Evidence()
}

/// All per-channel state: resampling, framing, spectrum, noise floor, pitch, the speech decision
/// and everything downstream of it (turns, spikes, pace, statistics).
///
/// The engine drives it in two steps per frame, because the speech decision needs the other
/// channel's bands: `analyzeFrame(scratch:)` (spectrum, noise floor), then `decide(otherRecentMaximum:scratch:)`.
struct ChannelAnalyzer: Sendable {
    private let voicingThreshold: Float
    private let statisticsVoicingThreshold: Float
    private let offsetThreshold: Float
    private var resampler: PolyphaseResampler?
    private(set) var assembler = FrameAssembler()
    private var spectrum = SpectrumAnalyzer()
    private var pitchEstimator: PitchEstimator
    private var noiseFloor: NoiseFloorTracker
    private let scorer: SpeechScorer
    private var nearField: NearFieldGate
    private var decision: SpeechDecision
    /// This frame's band powers.
    private var bands = [Float](repeating: 0, count: BandLayout.bandCount)
    /// Band powers of the last `bleedHistoryFrames` frames (ring of rows), for the other channel's bleed test.
    private var bandHistory: [Float]
    private let bleedHistoryFrames: Int
    private var bandHistoryRow = 0
    /// This channel's largest band powers over its recent frames (up to the longest echo delay):
    /// the bleed it can cause in the other channel. Updated by `analyzeFrame(scratch:)`.
    private(set) var recentMaximumBands = [Float](repeating: 0, count: BandLayout.bandCount)
    /// Records of frames whose decision is pending (ring, the gate's and the decision's delays + 1).
    private var pending: [FrameRecord]
    /// The trace's part of the same frames, same ring (empty unless frames are traced).
    private var pendingTrace: [FrameTraceRecord]
    /// Frames given out by the far-talker gate so far.
    private var gatedFrames = 0
    private var current = FrameRecord()
    /// Frames scored so far, and frames decided (passed downstream) so far.
    private var scoredFrames = 0
    private var decidedFrames = 0
    private var segmentBuilder: SegmentBuilder
    private var spikeDetector: SpikeDetector
    private var peakCounter: SyllablePeakCounter
    private var statistics = ChannelStatistics()
    /// The channel's loud-speech level (dBFS), refreshed every `loudSpeechRefreshFrames` speech
    /// frames once `loudSpeechMinimumFrames` are in.
    private var loudSpeechDBFS: Float?
    private static let loudSpeechMinimumFrames = 50
    private static let loudSpeechRefreshFrames = 25
    private let hiddenOnsetFramesPerDb: Double
    private let hiddenTailFramesPerDb: Double
    private let hiddenEdgeDepthDb: Double
    /// Per-frame trace, when asked for.
    private var trace: [FrameTrace]?
    /// Distress cues: only on the customer's channel (nil elsewhere: never measured).
    private var cues: CueTracker?
    /// What the channel carries besides its party's talk (`NonSpeech/`): nil when hold detection
    /// is off (`holds.detectsHolds`); loops are looked for only where holds are placed (not on the
    /// customer's channel).
    private var music: MusicDetector?
    private var loops: LoopDetector?
    private var muted: MutedLineDetector?
    private var tones: ToneDetector
    private let revealsDigits: Bool
    private let minimumSegmentFrames: Int
    /// This channel's place in the engine (its power spectrum's slot in `FrameScratch`).
    private let channel: Int

    /// - Parameter rejectsFarTalkers: whether the channel carries one talker whose room's other
    ///   voices are not theirs (`NearFieldGate`); false for a mono mix of several parties.
    init(
        configuration: AnalysisConfiguration, channel: Int, inputSampleRateHz: Int, tracesFrames: Bool = false, tracksCues: Bool = false,
        rejectsFarTalkers: Bool = true
    ) {
        precondition((0..<SignalEngine.maximumChannelCount).contains(channel), "a channel of an engine")
        self.channel = channel
        cues = tracksCues ? CueTracker(configuration: configuration) : nil
        let detectsHolds = configuration.holds.detectsHolds >= 0.5
        music = detectsHolds ? MusicDetector(configuration: configuration.holds) : nil
        loops = detectsHolds && !tracksCues ? LoopDetector(configuration: configuration.holds, speechScore: configuration.voiceActivity.onsetThresholdDb) : nil
        muted = detectsHolds ? MutedLineDetector(configuration: configuration.holds) : nil
        tones = ToneDetector(configuration: configuration.tones)
        revealsDigits = configuration.tones.revealDtmfDigits >= 0.5
        minimumSegmentFrames = AnalysisGrid.frames(seconds: configuration.turns.minimumSegmentSeconds)
        trace = tracesFrames ? [] : nil
        hiddenOnsetFramesPerDb = configuration.voiceActivity.hiddenOnsetSecondsPerDb * 100
        hiddenTailFramesPerDb = configuration.voiceActivity.hiddenTailSecondsPerDb * 100
        hiddenEdgeDepthDb = configuration.voiceActivity.hiddenEdgeDepthDb
        voicingThreshold = Float(configuration.pitch.voicingThreshold)
        statisticsVoicingThreshold = Float(configuration.pitch.statisticsVoicingThreshold)
        offsetThreshold = Float(configuration.voiceActivity.offsetThresholdDb)
        resampler = inputSampleRateHz == AnalysisGrid.sampleRateHz
            ? nil : PolyphaseResampler(inputRateHz: inputSampleRateHz, outputRateHz: AnalysisGrid.sampleRateHz)
        pitchEstimator = PitchEstimator(configuration: configuration.pitch)
        noiseFloor = NoiseFloorTracker(bandCount: BandLayout.bandCount, configuration: configuration.voiceActivity)
        scorer = SpeechScorer(configuration: configuration.voiceActivity)
        decision = SpeechDecision(configuration: configuration.voiceActivity)
        nearField = NearFieldGate(
            minimumProbability: rejectsFarTalkers ? configuration.voiceActivity.nearFieldMinimumProbability : 0,
            candidateScore: configuration.voiceActivity.offsetThresholdDb)
        bleedHistoryFrames = AnalysisGrid.frames(seconds: configuration.voiceActivity.bleedMaximumDelaySeconds) + 1
        bandHistory = [Float](repeating: 0, count: bleedHistoryFrames * BandLayout.bandCount)
        pending = [FrameRecord](repeating: FrameRecord(), count: NearFieldGate.delayFrames + decision.delayFrames + 1)
        pendingTrace = tracesFrames ? [FrameTraceRecord](repeating: FrameTraceRecord(), count: pending.count) : []
        segmentBuilder = SegmentBuilder(configuration: configuration.turns)
        spikeDetector = SpikeDetector(configuration: configuration.spikes)
        peakCounter = SyllablePeakCounter(configuration: configuration.pace)
    }

    // MARK: - Samples in

    /// Feeds one input-rate sample. Returns true when it completes a frame.
    mutating func push(_ sample: Float) -> Bool {
        if resampler == nil { return assembler.append(sample) }
        var output: Float = 0
        return resampler!.push(sample, output: &output) && assembler.append(output)
    }

    /// Whether input samples go straight to the frame assembler (the input is at 8 kHz).
    var isAtAnalysisRate: Bool { resampler == nil }

    /// At the analysis rate: stores up to the next frame boundary from an interleaved chunk.
    /// Returns true when the samples complete a frame.
    mutating func append(from source: UnsafeBufferPointer<Float>, start: Int, stride: Int, count: Int) -> Bool {
        assembler.append(from: source, start: start, stride: stride, count: count)
    }

    /// After the last input: emits the resampler's remaining output, one sample per call, until
    /// it returns nil. Returns whether that sample completed a frame.
    mutating func flushResampler() -> Bool? {
        guard resampler != nil else { return nil }
        var output: Float = 0
        guard resampler!.flush(output: &output) else { return nil }
        return assembler.append(output)
    }

    /// Analysis-rate samples the input amounts to (before any end padding).
    func analysisSampleCount(forInputCount count: Int) -> Int {
        resampler?.outputCount(forInputCount: count) ?? count
    }

    /// Feeds a zero after the end of the stream. Returns true when it completes a frame.
    mutating func pad() -> Bool { assembler.append(0) }

    // MARK: - Per frame

    /// Step 1: spectrum and noise floor of the frame just completed.
    mutating func analyzeFrame(scratch: inout FrameScratch) {
        let frameIndex = assembler.nextFrameIndex
        let usualNoiseDBFS = muted?.usualNoiseDBFS.map(Float.init)
        current.features = assembler.withCurrentWindow { window in
            let features = spectrum.analyze(window, bands: &bands, scratch: &scratch, channel: channel)
            // Music and tones read the same spectrum (and tones the window itself).
            scratch.powerSpectra.withUnsafeBufferPointer { spectra in
                let power = UnsafeBufferPointer(rebasing: spectra[FrameScratch.spectrumRange(of: channel)])
                music?.push(powerSpectrum: power, bandPower: features.bandPower, levelDBFS: features.levelDBFS, usualNoiseDBFS: usualNoiseDBFS)
                tones.push(frame: frameIndex, window: window, powerSpectrum: power, bandPower: features.bandPower)
            }
            return features
        }
        noiseFloor.update(bandPowers: bands)
        // A row is one `BandRow`: the maximum over the rows is a few vector operations, where a
        // band at a time was 16 scalar ones per row.
        let rows = bleedHistoryFrames, row = bandHistoryRow
        bands.withUnsafeBytes { bands in
            bandHistory.withUnsafeMutableBytes { history in
                let stride = MemoryLayout<BandRow>.size
                history.storeBytes(of: bands.loadUnaligned(as: BandRow.self), toByteOffset: row * stride, as: BandRow.self)
                var maximum = history.loadUnaligned(as: BandRow.self)
                for r in 1..<rows {
                    let next = history.loadUnaligned(fromByteOffset: r * stride, as: BandRow.self)
                    maximum = maximum.lanewiseMaximum(next)
                }
                recentMaximumBands.withUnsafeMutableBytes { $0.storeBytes(of: maximum, as: BandRow.self) }
            }
        }
        bandHistoryRow = (bandHistoryRow + 1) % rows
        assembler.advance()
    }

    /// Step 2: scores the frame against the noise floor and the other channel's bleed, estimates
    /// pitch on frames that might be speech, and passes any decided frame downstream.
    mutating func decide(otherRecentMaximum: [Float], scratch: inout FrameScratch) {
        let score = scorer.score(
            bandPowers: bands, noise: noiseFloor.noise, otherRecentMaximum: otherRecentMaximum,
            levelDBFS: current.features.levelDBFS, loudSpeechDBFS: loudSpeechDBFS)
        if score >= offsetThreshold {
            current.pitch = pitchEstimator.estimate(spectrumOf: channel, scratch: &scratch)
            scratch.powerSpectra.withUnsafeBufferPointer { spectra in
                spectrum.addShape(to: &current.features, powerSpectrum: UnsafeBufferPointer(rebasing: spectra[FrameScratch.spectrumRange(of: channel)]))
            }
            if cues != nil { current.flatnessDb = spectrum.bandFlatnessDb(bands: bands) }
        } else {
            current.pitch = .unvoiced
        }
        current.noisePower = noiseFloor.totalPower
        if loops != nil { bands.withUnsafeBufferPointer { loops!.push(bands: $0, score: score) } }
        // (Music, tones and loops are no more the line's noise than speech is.)
        let maybeSpeech = score >= offsetThreshold || isPlayingNonSpeech || (loops?.isLooping ?? false)
        muted?.push(levelDBFS: current.features.levelDBFS, maybeSpeech: maybeSpeech)
        pending[scoredFrames % pending.count] = current
        if trace != nil {
            pendingTrace[scoredFrames % pending.count] = FrameTraceRecord(score: score, noiseDBFS: decibels(current.noisePower))
        }
        scoredFrames += 1
        if let (gated, evidence) = nearField.push(bands: bands, noise: noiseFloor.noise, levelDBFS: current.features.levelDBFS, score: score, loudSpeechDBFS: loudSpeechDBFS) {
            decideGated(gated, evidence)
        }
    }

    /// Passes the far-talker gate's next frame to the speech decision.
    private mutating func decideGated(_ score: Float, _ evidence: NearFieldGate.Evidence) {
        if trace != nil { pendingTrace[gatedFrames % pending.count].nearField = evidence }
        gatedFrames += 1
        if let isSpeech = decision.push(score: score) { emit(isSpeech: isSpeech) }
    }

    /// Cue snapshots made since the last call (customer channel only), then forgotten.
    mutating func takeCueSnapshots(_ body: (CueSnapshot) -> Void) {
        guard cues != nil else { return }
        for snapshot in cues!.pending { body(snapshot) }
        cues!.clearPending()
    }

    /// After the last frame: decides the pending frames and closes turns and spikes.
    mutating func finish() -> ChannelSummary {
        var gated: [(Float, NearFieldGate.Evidence)] = []
        nearField.drain(loudSpeechDBFS: loudSpeechDBFS) { gated.append(($0, $1)) }
        for (score, evidence) in gated { decideGated(score, evidence) }
        var remaining: [Bool] = []
        decision.drain { remaining.append($0) }
        for isSpeech in remaining { emit(isSpeech: isSpeech) }
        segmentBuilder.finish()
        spikeDetector.finish()
        music?.finish()
        muted?.finish()
        tones.finish()
        var summary = summary(segments: segmentBuilder, spikes: spikeDetector)
        summary.trace = trace
        return summary
    }

    /// The channel so far, as `finish()` would report it had the stream ended at the last decided
    /// frame (frames whose decision is still pending are left out). Changes nothing: the turn and
    /// spike builders are closed on copies.
    func snapshot() -> ChannelSummary {
        var segments = segmentBuilder, spikes = spikeDetector
        segments.finish()
        spikes.finish()
        return summary(segments: segments, spikes: spikes)
    }

    /// What a live call watches between snapshots, cheaply, after every pushed chunk.
    var liveState: ChannelLiveState {
        ChannelLiveState(
            decidedFrames: decidedFrames, lastSpeechEndFrame: segmentBuilder.lastSpeechEndFrame,
            closedSegmentCount: segmentBuilder.segments.count, spikeCount: spikeDetector.spikeCount(startingAtOrAfter: 0),
            playsHoldMaterial: (music?.isInMusic ?? false) || (loops?.isLooping ?? false))
    }

    private func summary(segments: SegmentBuilder, spikes: SpikeDetector) -> ChannelSummary {
        // Music, loops and tones are sound but not talk: out of the turns, and no raised voice in
        // them. A tone inside music is a note of it; music that is largely tones is their cadence.
        var toneRuns = tones.snapshotRuns()
        let toneRanges = FrameIntervals.merged(toneRuns.map { $0.startFrame..<$0.endFrame })
        let musicRuns = (music?.snapshotRuns() ?? []).filter { FrameIntervals.covered($0.startFrame..<$0.endFrame, by: toneRanges) * 4 < $0.frameCount }
        let musicRanges = FrameIntervals.merged(musicRuns.map { $0.startFrame..<$0.endFrame })
        toneRuns.removeAll { $0.kind == .callProgress && FrameIntervals.covered($0.startFrame..<$0.endFrame, by: musicRanges) * 2 > $0.frameCount }
        if !revealsDigits { for i in toneRuns.indices { toneRuns[i].digit = nil } }
        let nonSpeech = (musicRuns + (loops?.runs ?? []) + (muted?.snapshotRuns() ?? [])).sorted { $0.startFrame < $1.startFrame }
        let notTalk = FrameIntervals.widened(
            FrameIntervals.merged(nonSpeech.filter { $0.kind != .muted }.map { $0.startFrame..<$0.endFrame } + toneRuns.map { $0.startFrame..<$0.endFrame }),
            toSegmentsMostlyIn: segments.segments)
        var summary = ChannelSummary(
            segments: FrameIntervals.subtract(notTalk, from: segments.segments, minimumFrames: minimumSegmentFrames),
            spikes: spikes.spikes.filter { !FrameIntervals.overlaps($0.startFrame..<$0.endFrame, notTalk) }, speechFrameCount: 0,
            voicedFrameCount: 0, syllablePeakCount: peakCounter.count)
        summary.nonSpeechRuns = nonSpeech
        summary.toneRuns = toneRuns
        statistics.fill(&summary)
        summary.speechBaselineDBFS = spikes.currentBaselineDBFS
        summary.cueTotals = cues?.total
        summary.cueBaseline = cues?.baseline
        return summary
    }

    /// Whether music or a tone is under way on the channel (known as it starts: `isInMusic`, `isInTone`).
    private var isPlayingNonSpeech: Bool { (music?.isInMusic ?? false) || tones.isInTone }

    /// Widens speech edges by how far the line's speech-to-noise ratio falls short of the edge depth.
    private mutating func updateHiddenEdges() {
        guard let median = statistics.medianSpeechDBFS() else { return }
        let noiseDBFS = Double(decibels(noiseFloor.noise.reduce(0, +)))
        let shortfallDb = max(0, hiddenEdgeDepthDb - (median - noiseDBFS))
        decision.setHiddenEdgeFrames(
            onset: Int((shortfallDb * hiddenOnsetFramesPerDb).rounded()),
            tail: Int((shortfallDb * hiddenTailFramesPerDb).rounded()))
    }

    /// Passes the oldest pending frame, now decided, to the downstream stages.
    private mutating func emit(isSpeech: Bool) {
        let record = pending[decidedFrames % pending.count]
        let index = decidedFrames
        decidedFrames += 1
        // Talk, for everything but the turns (which lose their music, loops and tones at the end,
        // exactly): not while one is under way, so none enters the party's levels, pitch, pace,
        // raised-voice baseline or distress cues.
        let isTalk = isSpeech && !isPlayingNonSpeech && !(loops?.isInLoop ?? false)
        let isVoiced = isSpeech && record.pitch.voicing >= voicingThreshold
        if trace != nil {
            let traced = pendingTrace[index % pending.count]
            trace!.append(FrameTrace(
                frame: index, levelDBFS: record.features.levelDBFS, speechScoreDb: traced.score, noiseFloorDBFS: traced.noiseDBFS,
                isSpeech: isSpeech, pitchHz: record.pitch.frequencyHz, voicing: record.pitch.voicing,
                centroidHz: record.features.centroidHz, tiltDb: record.features.tiltDb,
                nearFieldProbability: traced.nearField.probability, belowPeakDb: traced.nearField.belowPeakDb,
                bandModulationDb: traced.nearField.bandModulationDb, loudnessDb: traced.nearField.loudnessDb))
        }
        segmentBuilder.push(frame: index, isSpeech: isSpeech, isVoiced: isVoiced, power: record.features.bandPower)
        let isVoicedTalk = isTalk && isVoiced
        // A speech frame's pitch, when clearly periodic enough for the statistics, the raised-voice
        // check and the distress cues (once per frame, for all three).
        let pitchSemitones = isTalk && record.pitch.voicing >= statisticsVoicingThreshold && record.pitch.frequencyHz > 0
            ? ChannelStatistics.semitones(record.pitch.frequencyHz) : nil
        spikeDetector.push(
            isSpeech: isTalk, power: record.features.bandPower, noisePower: record.noisePower, pitchSemitones: Float(pitchSemitones ?? 0),
            centroidHz: isTalk ? record.features.centroidHz : 0)
        let peaksBefore = peakCounter.count
        peakCounter.push(power: record.features.bandPower, isSpeech: isTalk, isVoiced: isVoicedTalk)
        if cues != nil,
           cues!.add(isSpeech: isTalk, isVoiced: isVoicedTalk, pitchSemitones: pitchSemitones, record: record, syllablePeak: peakCounter.count > peaksBefore) {
            cues!.closeSecond(windowSpikes: spikeDetector.spikeCount(startingAtOrAfter: cues!.windowStartFrame))
        }
        if isTalk {
            statistics.add(
                levelDBFS: record.features.levelDBFS, isVoiced: isVoicedTalk, pitchSemitones: pitchSemitones,
                centroidHz: record.features.centroidHz, tiltDb: record.features.tiltDb)
            let frames = statistics.speechFrames
            if frames >= Self.loudSpeechMinimumFrames && frames % Self.loudSpeechRefreshFrames == 0 {
                loudSpeechDBFS = statistics.loudSpeechDBFS().map(Float.init)
                updateHiddenEdges()
            }
        }
    }
}
