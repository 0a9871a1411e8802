/// Counts of values in fixed-width bins, for percentiles over a whole call in constant memory.
///
/// Values outside the range are clamped into the first or last bin. Percentiles are exact to
/// within one bin width.
struct Histogram: Sendable {
    let lowerBound: Double
    let binWidth: Double
    private var counts: [UInt32]
    /// Values counted.
    private(set) var total = 0

    init(lowerBound: Double, upperBound: Double, binWidth: Double) {
        self.lowerBound = lowerBound
        self.binWidth = binWidth
        counts = [UInt32](repeating: 0, count: Int(((upperBound - lowerBound) / binWidth).rounded(.up)))
    }

    mutating func add(_ value: Double) {
        let bin = Int(((value - lowerBound) / binWidth).rounded(.down))
        counts[min(max(bin, 0), counts.count - 1)] += 1
        total += 1
    }

    /// Forgets every value (keeps the storage).
    mutating func clear() {
        guard total > 0 else { return }
        for bin in counts.indices { counts[bin] = 0 }
        total = 0
    }

    /// The value below which `fraction` (0–1) of the counted values fall, interpolated within the
    /// bin; nil when nothing was counted.
    func percentile(_ fraction: Double) -> Double? {
        guard total > 0 else { return nil }
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
        return lowerBound + Double(counts.count) * binWidth
    }
}
