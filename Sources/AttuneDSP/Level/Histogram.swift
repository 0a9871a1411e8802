/// Counts of values in fixed-width bins, for percentiles over a whole call in constant memory.
///
/// Values outside the range are clamped into the first or last bin. Percentiles are exact to
/// within one bin width.
///
/// Counts are kept in 16 bits until a bin reaches 65,535 (eleven minutes of 10 ms frames in one
/// bin), then in 32 bits for good: the same whole numbers either way, in half the memory for
/// nearly every call (a live server holds several of these per channel of every call).
struct Histogram: Sendable {
    let lowerBound: Double
    let binWidth: Double
    /// Bins.
    let binCount: Int
    /// The counts while every bin is below `UInt16.max` (empty once `wideCounts` took over).
    private var counts: [UInt16]
    /// The counts once a bin reached `UInt16.max` (empty before).
    private var wideCounts: [UInt32] = []
    /// Values counted.
    private(set) var total = 0

    init(lowerBound: Double, upperBound: Double, binWidth: Double) {
        self.lowerBound = lowerBound
        self.binWidth = binWidth
        binCount = Int(((upperBound - lowerBound) / binWidth).rounded(.up))
        counts = [UInt16](repeating: 0, count: binCount)
    }

    mutating func add(_ value: Double) {
        let bin = Int(((value - lowerBound) / binWidth).rounded(.down))
        let index = min(max(bin, 0), binCount - 1)
        total += 1
        if wideCounts.isEmpty {
            if counts[index] < UInt16.max {
                counts[index] += 1
                return
            }
            wideCounts = counts.map(UInt32.init)
            counts = []
        }
        wideCounts[index] += 1
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
        for (bin, count) in counts.enumerated() where count > 0 {
            let next = below + Double(count)
            if next >= target {
                let within = (target - below) / Double(count)
                return lowerBound + (Double(bin) + within) * binWidth
            }
            below = next
        }
        return lowerBound + Double(binCount) * binWidth
    }
}
