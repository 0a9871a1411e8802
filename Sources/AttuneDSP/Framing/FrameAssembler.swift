/// Collects analysis-rate samples for one channel and says when the next 10 ms frame is complete.
///
/// Frame `i` describes the hop `[80·i, 80·i + 80)` (10 ms at 8 kHz). Its 256-sample window is
/// centred on the hop, `[80·i − 88, 80·i + 168)`, so frame `i` is ready once sample `80·i + 167`
/// has arrived. Samples before the stream's start are zero; nothing is padded mid-stream.
struct FrameAssembler: Sendable {
    /// Samples before the hop start that the window reaches back (88).
    static let windowLeadSamples = (AnalysisGrid.windowSamples - AnalysisGrid.hopSamples) / 2
    /// The last `windowSamples` samples (ring; `withCurrentWindow` gives them in order, in two runs).
    private var ring = [Float](repeating: 0, count: AnalysisGrid.windowSamples)
    private var ringPosition = 0
    /// Analysis-rate samples received (including end-of-stream padding).
    private(set) var sampleCount = 0
    /// Index of the next frame to complete.
    private(set) var nextFrameIndex = 0

    /// Stores one sample. Returns true when it completes frame `nextFrameIndex`; the caller then
    /// reads it with `withCurrentWindow` and calls `advance()`.
    mutating func append(_ sample: Float) -> Bool {
        let size = AnalysisGrid.windowSamples
        ring[ringPosition] = sample
        ringPosition += 1
        if ringPosition == size { ringPosition = 0 }
        sampleCount += 1
        return sampleCount == Self.windowEnd(ofFrame: nextFrameIndex)
    }

    /// Samples still needed to complete frame `nextFrameIndex`.
    var samplesUntilNextFrame: Int { Self.windowEnd(ofFrame: nextFrameIndex) - sampleCount }

    /// Stores `count` samples read from `source` at `start`, `start + stride`, … — at most
    /// `samplesUntilNextFrame` of them. Returns true when they complete frame `nextFrameIndex`.
    mutating func append(from source: UnsafeBufferPointer<Float>, start: Int, stride: Int, count: Int) -> Bool {
        precondition(count <= samplesUntilNextFrame)
        let size = AnalysisGrid.windowSamples, first = ringPosition
        // The position is the closure's own local, returned (captured, it was stored to memory
        // and read back at every sample); indices stay below 256 and the source's count, so
        // they wrap without overflow checks. The samples go in as at most two runs, up to the
        // ring's end and from its start: loops without a wrap test.
        ringPosition = ring.withUnsafeMutableBufferPointer { ring in
            var position = first, index = start, remaining = count
            while remaining > 0 {
                let run = min(remaining, size &- position)
                let low = ring.baseAddress! + position
                var i = 0
                if stride == 2 {
                    // Stereo: eight samples at a time out of sixteen interleaved values (while
                    // those lie within the source), then one by one.
                    let values = UnsafeRawPointer(source.baseAddress!), bytes = MemoryLayout<Float>.stride
                    while i &+ 8 <= run && index &+ 2 &* i &+ 16 <= source.count {
                        let samples = values.loadUnaligned(fromByteOffset: (index &+ 2 &* i) &* bytes, as: SIMD16<Float>.self).evenHalf
                        UnsafeMutableRawPointer(low + i).storeBytes(of: samples, as: SIMD8<Float>.self)
                        i &+= 8
                    }
                }
                while i < run {
                    low[i] = source[index &+ i &* stride]
                    i &+= 1
                }
                position &+= run
                if position == size { position = 0 }
                index &+= run &* stride
                remaining &-= run
            }
            return position
        }
        sampleCount += count
        return sampleCount == Self.windowEnd(ofFrame: nextFrameIndex)
    }

    /// Moves on to the next frame.
    mutating func advance() { nextFrameIndex += 1 }

    /// The newest `windowSamples` samples, oldest first, as the ring holds them: from the write
    /// position to the ring's end, then from its start (no copy).
    func withCurrentWindow<R>(_ body: (FrameWindow) -> R) -> R {
        ring.withUnsafeBufferPointer { stored in
            body(FrameWindow(older: UnsafeBufferPointer(rebasing: stored[ringPosition...]), newer: UnsafeBufferPointer(rebasing: stored[..<ringPosition])))
        }
    }

    /// One past the last sample of frame `index`'s window.
    static func windowEnd(ofFrame index: Int) -> Int {
        index * AnalysisGrid.hopSamples - windowLeadSamples + AnalysisGrid.windowSamples
    }

    /// Frames covering `sampleCount` analysis-rate samples: every hop that starts before the end.
    static func frameCount(forSampleCount sampleCount: Int) -> Int {
        (sampleCount + AnalysisGrid.hopSamples - 1) / AnalysisGrid.hopSamples
    }
}

/// A frame's 256-sample window in the two runs the framer's ring holds it in: `older` samples, then
/// `newer` ones (each a multiple of 8 samples long; either may be empty).
struct FrameWindow {
    let older: UnsafeBufferPointer<Float>
    let newer: UnsafeBufferPointer<Float>

    /// Sample `index` of the window (0 the oldest).
    subscript(index: Int) -> Float { index < older.count ? older[index] : newer[index - older.count] }

    /// Whether every sample is +0 or −0 (digital silence).
    var isDigitalSilence: Bool { FrameWindow.isDigitalSilence(older) && FrameWindow.isDigitalSilence(newer) }

    /// Whether every sample of `samples` (a whole number of 8-sample vectors) is +0 or −0.
    static func isDigitalSilence(_ samples: UnsafeBufferPointer<Float>) -> Bool {
        precondition(samples.count % 8 == 0)
        guard let start = samples.baseAddress else { return true }
        let base = UnsafeRawPointer(start), stride = MemoryLayout<Float>.stride
        var i = 0
        // Most windows have sound in their first 16 samples: one vector, and out.
        while i + 16 <= samples.count {
            if base.loadUnaligned(fromByteOffset: i * stride, as: SIMD16<UInt32>.self) & 0x7FFF_FFFF != SIMD16() { return false }
            i += 16
        }
        if i < samples.count, base.loadUnaligned(fromByteOffset: i * stride, as: SIMD8<UInt32>.self) & 0x7FFF_FFFF != SIMD8() { return false }
        return true
    }
}
