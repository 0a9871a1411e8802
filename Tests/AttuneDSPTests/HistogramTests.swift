import Testing

@testable import AttuneDSP

/// `Histogram` keeps its counts in 16 bits until a bin would pass 65,535, then in 32 bits: the
/// percentiles must be those of the true counts on both sides of that switch.
@Suite struct HistogramTests {
    /// 70,000 values in bin 3 (past the 16-bit limit) and 30,000 in bin 7, bins 1 wide from 0:
    /// percentiles interpolate linearly within a bin.
    @Test func percentilesHoldPastSixteenBitCounts() {
        var histogram = Histogram(lowerBound: 0, upperBound: 10, binWidth: 1)
        for _ in 0..<30_000 { histogram.add(7.2) }
        #expect(histogram.percentile(0.5) == 7.5)
        for _ in 0..<70_000 { histogram.add(3.5) }
        #expect(histogram.total == 100_000)
        #expect(histogram.percentile(0.35) == 3.5)
        #expect(histogram.percentile(0.7) == 4)
        #expect(histogram.percentile(0.85) == 7.5)
        // Values outside the range land in the end bins.
        histogram.add(-5)
        histogram.add(50)
        #expect(histogram.total == 100_002)
        #expect(histogram.percentile(0) == 0)
        #expect(histogram.percentile(1) == 10)
        histogram.clear()
        #expect(histogram.percentile(0.5) == nil)
        for _ in 0..<4 { histogram.add(1.1) }
        #expect(histogram.percentile(0.5) == 1.5)
    }

    /// The counts a full-range histogram would hold, from the definition (each value's bin,
    /// clamped to the range), and the percentile that definition gives.
    private static func reference(_ values: [Double], lowerBound: Double, binWidth: Double, binCount: Int, fraction: Double) -> Double {
        var counts = [Int](repeating: 0, count: binCount)
        for value in values { counts[min(max(Int(((value - lowerBound) / binWidth).rounded(.down)), 0), binCount - 1)] += 1 }
        let target = fraction * Double(values.count)
        var below = 0.0
        for (bin, count) in counts.enumerated() where count > 0 {
            if below + Double(count) >= target { return lowerBound + (Double(bin) + (target - below) / Double(count)) * binWidth }
            below += Double(count)
        }
        return lowerBound + Double(binCount) * binWidth
    }

    /// Only the bins values reach are stored, the span growing down and up as values arrive (and
    /// past the 16-bit switch): every percentile is still the whole range's, exactly.
    @Test func storedSpanGivesTheWholeRangesPercentiles() {
        var histogram = Histogram(lowerBound: -120, upperBound: 0, binWidth: 0.25)
        var values: [Double] = []
        // A call's levels: first around −30 dBFS, then quieter, then louder, then some clamped.
        let phases: [(centre: Double, spread: Double, count: Int)] = [(-30, 3, 2_000), (-55, 5, 2_000), (-12, 4, 2_000), (-140, 1, 10), (20, 1, 10)]
        for phase in phases {
            for i in 0..<phase.count {
                // Spread over ±spread in a scrambled order (Knuth's multiplicative hash of i).
                let value = phase.centre + phase.spread * (Double(i &* 2_654_435_761 % 10_000) / 5_000 - 1)
                histogram.add(value)
                values.append(value)
            }
            for fraction in stride(from: 0.0, through: 1.0, by: 0.05) {
                #expect(histogram.percentile(fraction) == Self.reference(values, lowerBound: -120, binWidth: 0.25, binCount: 480, fraction: fraction))
            }
        }
        #expect(histogram.total == values.count)
        // Before the clamped values: −60 … −8 dBFS in whole chunks (32 bins of 0.25 dB = 8 dB) of
        // the 480 bins; with them, the end chunks too.
        #expect(histogram.storedBinCount == 480)
        var levels = Histogram(lowerBound: -120, upperBound: 0, binWidth: 0.25)
        for value in values.prefix(6_000) { levels.add(value) }
        #expect(levels.storedBinCount == 7 * 32)
        #expect(levels.percentile(0.5) == Self.reference(Array(values.prefix(6_000)), lowerBound: -120, binWidth: 0.25, binCount: 480, fraction: 0.5))
        // Past 65,535 in one bin, then a bin beyond the span: the 32-bit counts grow as well.
        var wide = Histogram(lowerBound: 0, upperBound: 100, binWidth: 1)
        var wideValues: [Double] = []
        for _ in 0..<70_000 { wide.add(50.5); wideValues.append(50.5) }
        for value in [2.5, 99.5, 2.5, 70.1] { wide.add(value); wideValues.append(value) }
        for fraction in [0.0, 0.00001, 0.5, 0.99999, 1.0] {
            #expect(wide.percentile(fraction) == Self.reference(wideValues, lowerBound: 0, binWidth: 1, binCount: 100, fraction: fraction))
        }
        #expect(wide.storedBinCount == 100)
    }
}

