/// The check every decoded sample passes (`AudioFileReader.read`): finite and within ±`limit`.
enum SampleRange {
    /// The index of the first sample that is not finite or lies beyond ±`limit`; nil when all pass.
    ///
    /// Exactly `samples.firstIndex { !(abs($0) <= limit) }`, 32 samples per step: four 8-lane
    /// compares and'ed together, one test per step (a branch per sample cost about 2 % of a whole
    /// `attune analyze`). A step that fails is searched sample by sample.
    static func firstOutOfRange(_ samples: UnsafeBufferPointer<Float>, limit: Float) -> Int? {
        let count = samples.count
        var start = 0
        if count >= 32, let base = samples.baseAddress {
            let raw = UnsafeRawPointer(base)
            let high = SIMD8<Float>(repeating: limit), low = -high
            @inline(__always) func passes(_ offset: Int) -> SIMD8<Int32> {
                let v = raw.loadUnaligned(fromByteOffset: offset * MemoryLayout<Float>.stride, as: SIMD8<Float>.self)
                // NaN fails both compares; lanes are all ones where the sample passes.
                return unsafeBitCast(v .<= high, to: SIMD8<Int32>.self) & unsafeBitCast(v .>= low, to: SIMD8<Int32>.self)
            }
            while start + 32 <= count {
                let all = passes(start) & passes(start + 8) & passes(start + 16) & passes(start + 24)
                if all != SIMD8<Int32>(repeating: -1) { break }
                start += 32
            }
        }
        for index in start..<count where !(abs(samples[index]) <= limit) { return index }
        return nil
    }
}
