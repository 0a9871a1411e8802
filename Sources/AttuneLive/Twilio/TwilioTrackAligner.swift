/// What happened to one track's frames so far.
public struct TwilioTrackCounters: Sendable, Equatable {
    /// Samples in a Twilio frame (20 ms at 8000 Hz).
    public static let samplesPerFrame = 160

    /// Well-formed frames of the track handed to the aligner, whatever became of them
    /// (duplicates, late and too-far-ahead frames included).
    public var framesReceived = 0
    /// Silence (zero samples) written where the track had no data when its stretch was released.
    public var gapSamplesFilled = 0
    /// Frames dropped because everything they carry was already released.
    public var lateFramesDropped = 0
    /// Frames ignored because the track already had a frame with their `chunk`.
    public var duplicateFrames = 0
    /// Frames rejected because they start too far ahead of the audio released.
    public var framesTooFarAhead = 0

    public init() {}

    /// `gapSamplesFilled` in 20 ms frames, rounded up.
    public var gapFramesFilled: Int {
        (gapSamplesFilled + Self.samplesPerFrame - 1) / Self.samplesPerFrame
    }
}

/// Puts the frames of one or two tracks back in timestamp order and releases them in step, as
/// interleaved sample frames (one sample per channel). Pure: no clock, time is the audio's own.
///
/// Positions are sample indices since the stream started (8 per millisecond at 8000 Hz). All
/// channels are released together up to a common position, `emittedSampleCount`.
///
/// **Release rule.** Let *furthest* be the end of the furthest data accepted on any channel, and
/// *deadline* = furthest − `jitterSampleCount`. Each channel can be released up to the first
/// position at or after the deadline where it has no sample (data it holds is released at once;
/// a missing sample before the deadline is waited for no longer and becomes silence). Audio is
/// released up to the smallest of these over the channels: a channel never runs ahead of a
/// position another channel has not reached, unless that channel is more than the jitter behind
/// the furthest data. `flush()` releases everything up to *furthest*, filling every hole.
///
/// **Memory.** After each `takeReady()` nothing is held more than `jitterSampleCount` behind
/// *furthest*, so a channel holds at most the jitter plus one frame (frames start at most
/// `maximumLeadSampleCount` ahead of the audio released). Remembered chunk numbers are capped.
public struct TwilioTrackAligner: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// How long a missing sample is waited for once later data exists (samples, 0 … 2³¹ − 1).
        public var jitterSampleCount: Int
        /// How far past the audio released a frame may start (samples, 0 … 2³¹ − 1); frames further
        /// ahead are rejected (`Placement.tooFarAhead`).
        public var maximumLeadSampleCount: Int

        public init(jitterSampleCount: Int, maximumLeadSampleCount: Int) {
            // Capped so that positions plus these never overflow.
            self.jitterSampleCount = min(max(0, jitterSampleCount), Int(Int32.max))
            self.maximumLeadSampleCount = min(max(0, maximumLeadSampleCount), Int(Int32.max))
        }
    }

    /// What `insert` did with a frame.
    public enum Placement: Sendable, Equatable {
        /// Held for release (any part of it already released was cut off).
        case accepted
        /// Ignored: the channel already had a frame with this chunk number.
        case duplicate
        /// Dropped: everything it carries was already released.
        case late
        /// Rejected: it starts more than `maximumLeadSampleCount` past the audio released.
        case tooFarAhead
    }

    public let channelCount: Int
    public let configuration: Configuration
    /// Sample frames released so far: the position of the next one to release.
    public private(set) var emittedSampleCount = 0
    /// End (exclusive) of the furthest data accepted on any channel (samples).
    public private(set) var furthestSampleEnd = 0
    /// Counters per channel, in channel order.
    public private(set) var counters: [TwilioTrackCounters]
    private var buffers: [HeldSamples]
    /// Per channel: chunk number → end position of its frame, for spotting duplicates.
    private var chunkEnds: [[Int: Int]]

    /// - Parameter channelCount: tracks aligned (1 or 2; at least 1 is used).
    public init(channelCount: Int, configuration: Configuration) {
        self.channelCount = max(1, channelCount)
        self.configuration = configuration
        counters = Array(repeating: TwilioTrackCounters(), count: self.channelCount)
        buffers = Array(repeating: HeldSamples(), count: self.channelCount)
        chunkEnds = Array(repeating: [:], count: self.channelCount)
    }

    /// Samples held (received or awaited, not yet released) per channel, in channel order.
    public var heldSampleCounts: [Int] { buffers.map(\.count) }

    /// Chunk numbers remembered per channel before old ones are forgotten: enough for every
    /// frame of two lead windows (20 ms frames), and never fewer than 256.
    private var chunkMemoryLimit: Int {
        max(256, 4 * configuration.maximumLeadSampleCount / TwilioTrackCounters.samplesPerFrame)
    }

    /// Takes one frame of one channel. Where samples overlap samples already held, the ones
    /// received first are kept.
    /// - Parameters:
    ///   - channel: 0 ..< `channelCount` (a precondition).
    ///   - chunk: the frame's number within its channel (`media.chunk`).
    ///   - startSample: the frame's position (samples since the stream started).
    ///   - samples: its decoded samples in [-1, 1]; an empty frame changes nothing.
    public mutating func insert(channel: Int, chunk: Int, startSample: Int, samples: [Float]) -> Placement {
        precondition(counters.indices.contains(channel), "channel \(channel) of \(channelCount)")
        counters[channel].framesReceived += 1
        if chunkEnds[channel][chunk] != nil {
            counters[channel].duplicateFrames += 1
            return .duplicate
        }
        if startSample > emittedSampleCount + configuration.maximumLeadSampleCount {
            counters[channel].framesTooFarAhead += 1
            return .tooFarAhead
        }
        let endSample = startSample + samples.count
        if endSample <= emittedSampleCount && !samples.isEmpty {
            remember(chunk: chunk, endSample: endSample, channel: channel)
            counters[channel].lateFramesDropped += 1
            return .late
        }
        guard !samples.isEmpty else { return .accepted }
        remember(chunk: chunk, endSample: endSample, channel: channel)
        let skipped = max(0, emittedSampleCount - startSample)
        buffers[channel].write(samples.dropFirst(skipped), at: startSample + skipped - emittedSampleCount)
        furthestSampleEnd = max(furthestSampleEnd, endSample)
        return .accepted
    }

    /// Releases what the release rule allows: interleaved sample frames (`channelCount` samples
    /// each, channel order), or an empty array.
    public mutating func takeReady() -> [Float] {
        let deadline = furthestSampleEnd - configuration.jitterSampleCount
        var releaseEnd = Int.max
        for channel in 0..<channelCount {
            releaseEnd = min(releaseEnd, releasableEnd(channel: channel, deadline: deadline))
        }
        return release(upTo: releaseEnd)
    }

    /// Releases everything up to the furthest data received, filling every hole with silence.
    public mutating func flush() -> [Float] {
        release(upTo: furthestSampleEnd)
    }

    /// Where `channel` could be released up to: past the samples it holds from the release
    /// position on, and past any missing sample before `deadline`.
    private func releasableEnd(channel: Int, deadline: Int) -> Int {
        let held = buffers[channel]
        var offset = 0
        let deadlineOffset = deadline - emittedSampleCount
        while offset < held.count && (offset < deadlineOffset || held.isPresent(at: offset)) {
            offset += 1
        }
        if offset >= held.count { offset = max(offset, deadlineOffset) }
        return emittedSampleCount + offset
    }

    /// Releases every channel up to `endSample` (exclusive), silence where a channel has no data.
    private mutating func release(upTo endSample: Int) -> [Float] {
        let frameCount = endSample - emittedSampleCount
        guard frameCount > 0 else { return [] }
        var interleaved = [Float](repeating: 0, count: frameCount * channelCount)
        for channel in 0..<channelCount {
            let held = buffers[channel]
            var missing = 0
            for offset in 0..<frameCount {
                if held.isPresent(at: offset) {
                    interleaved[offset * channelCount + channel] = held.value(at: offset)
                } else {
                    missing += 1
                }
            }
            counters[channel].gapSamplesFilled += missing
            buffers[channel].discard(frameCount)
        }
        emittedSampleCount = endSample
        return interleaved
    }

    private mutating func remember(chunk: Int, endSample: Int, channel: Int) {
        chunkEnds[channel][chunk] = endSample
        let limit = chunkMemoryLimit
        guard chunkEnds[channel].count > limit else { return }
        // Forget chunks that ended more than one lead window before the release position (a
        // repeat of one of those is late anyway); if that is not enough, keep the newest half.
        let oldest = emittedSampleCount - configuration.maximumLeadSampleCount
        chunkEnds[channel] = chunkEnds[channel].filter { $0.value >= oldest }
        if chunkEnds[channel].count > limit {
            let newest = chunkEnds[channel].sorted { $0.value > $1.value }.prefix(limit / 2)
            chunkEnds[channel] = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
        }
    }
}

/// One channel's samples from the release position on: values, and whether each has arrived.
private struct HeldSamples: Sendable {
    private var values: [Float] = []
    private var present: [Bool] = []
    /// Index in `values` of the release position (the arrays are compacted now and then).
    private var startIndex = 0

    /// Samples held (including holes), from the release position.
    var count: Int { values.count - startIndex }

    func isPresent(at offset: Int) -> Bool {
        let index = startIndex + offset
        return index < present.count && present[index]
    }

    func value(at offset: Int) -> Float { values[startIndex + offset] }

    /// Writes samples from `offset` (≥ 0) past the release position; positions already holding
    /// a sample keep it.
    mutating func write(_ samples: ArraySlice<Float>, at offset: Int) {
        let first = startIndex + offset
        let end = first + samples.count
        if end > values.count {
            values.append(contentsOf: repeatElement(0, count: end - values.count))
            present.append(contentsOf: repeatElement(false, count: end - present.count))
        }
        for (index, sample) in zip(first..<end, samples) where !present[index] {
            values[index] = sample
            present[index] = true
        }
    }

    /// Moves the release position `sampleCount` samples on (past the end is fine).
    mutating func discard(_ sampleCount: Int) {
        startIndex += sampleCount
        if startIndex >= values.count {
            values.removeAll(keepingCapacity: true)
            present.removeAll(keepingCapacity: true)
            startIndex = 0
        } else if startIndex >= 4096 && startIndex * 2 >= values.count {
            values.removeFirst(startIndex)
            present.removeFirst(startIndex)
            startIndex = 0
        }
    }
}
