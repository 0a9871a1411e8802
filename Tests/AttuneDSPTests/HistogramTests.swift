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
}
