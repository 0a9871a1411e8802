/// Counts of values in fixed-width bins, for percentiles over a whole call in constant memory.
///
/// Values outside the range are clamped into the first or last bin. Percentiles are exact to
/// within one bin width.
///
/// Only the span of bins the values have reached is stored, grown `chunkBins` at a time (a call's
/// levels fill a fraction of −120…0 dBFS, its pitch a fraction of four octaves), and its counts are
/// kept in 16 bits until a bin reaches 65,535 (eleven minutes of 10 ms frames in one bin), then in
/// 32 bits for good. Bins outside the span hold 0, so the counts, and every percentile, are those
/// of the whole range: a live server holds several of these per channel of every call.
struct Histogram: Sendable {
    let lowerBound: Double
    let binWidth: Double
    /// Bins.
    let binCount: Int
    /// Bins stored or dropped together: the span's ends are multiples of this (or the range's ends).
    static let chunkBins = 32
    /// The bin `counts[0]` (or `wideCounts[0]`) stands for.
    private var firstStoredBin = 0
    /// The span's counts while every bin is below `UInt16.max` (empty once `wideCounts` took over).
    private var counts: [UInt16] = []
    /// The span's counts once a bin reached `UInt16.max` (empty before).
    private var wideCounts: [UInt32] = []
    /// Values counted.
    private(set) var total = 0

    init(lowerBound: Double, upperBound: Double, binWidth: Double) {
        self.lowerBound = lowerBound
        self.binWidth = binWidth
        binCount = Int(((upperBound - lowerBound) / binWidth).rounded(.up))
    }

    /// Bins stored now (the span's length), for memory checks.
    var storedBinCount: Int { wideCounts.isEmpty ? counts.count : wideCounts.count }

    mutating func add(_ value: Double) {
        let bin = Int(((value - lowerBound) / binWidth).rounded(.down))
        let index = min(max(bin, 0), binCount - 1)
        total += 1
        let offset = index - firstStoredBin
        if wideCounts.isEmpty, offset >= 0, offset < counts.count, counts[offset] < UInt16.max {
            counts[offset] += 1
            return
        }
        addOutsideNarrowSpan(index)
    }

    /// `add` for a bin the 16-bit span does not hold or cannot count further: widens the span
    /// (to whole chunks) and switches to 32 bits as needed.
    private mutating func addOutsideNarrowSpan(_ index: Int) {
        let stored = storedBinCount
        if stored == 0 || index < firstStoredBin || index >= firstStoredBin + stored {
            let chunk = Self.chunkBins
            let indexChunkStart = index / chunk * chunk, indexChunkEnd = min(binCount, indexChunkStart + chunk)
            let first = stored == 0 ? indexChunkStart : min(firstStoredBin, indexChunkStart)
            let end = stored == 0 ? indexChunkEnd : max(firstStoredBin + stored, indexChunkEnd)
            // The span grows to [first, end): zeros before and after what it held.
            let before = stored == 0 ? 0 : firstStoredBin - first, after = end - first - before - stored
            if wideCounts.isEmpty {
                counts = [UInt16](repeating: 0, count: before) + counts + [UInt16](repeating: 0, count: after)
            } else {
                wideCounts = [UInt32](repeating: 0, count: before) + wideCounts + [UInt32](repeating: 0, count: after)
            }
            firstStoredBin = first
        }
        let offset = index - firstStoredBin
        if wideCounts.isEmpty {
            if counts[offset] < UInt16.max {
                counts[offset] += 1
                return
            }
            wideCounts = counts.map(UInt32.init)
            counts = []
        }
        wideCounts[offset] += 1
    }

    /// Forgets every value (keeps the storage).
    mutating func clear() {
        guard total > 0 else { return }
        if wideCounts.isEmpty {
            for bin in counts.indices { counts[bin] = 0 }
        } else {
            for bin in wideCounts.indices { wideCounts[bin] = 0 }
        }
        total = 0
    }

    /// The value below which `fraction` (0–1) of the counted values fall, interpolated within the
    /// bin; nil when nothing was counted.
    func percentile(_ fraction: Double) -> Double? {
        guard total > 0 else { return nil }
        return wideCounts.isEmpty ? percentile(fraction, of: counts) : percentile(fraction, of: wideCounts)
    }

    private func percentile<Count: FixedWidthInteger & UnsignedInteger>(_ fraction: Double, of counts: [Count]) -> Double {
        let target = fraction * Double(total)
        var below = 0.0
        for (offset, count) in counts.enumerated() where count > 0 {
            let next = below + Double(count)
            if next >= target {
                let within = (target - below) / Double(count)
                return lowerBound + (Double(firstStoredBin + offset) + within) * binWidth
            }
            below = next
        }
        return lowerBound + Double(binCount) * binWidth
    }
}
