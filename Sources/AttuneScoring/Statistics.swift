import Foundation

/// The statistics of a calibration run. Pure functions; bootstrap resampling uses a seeded
/// generator so a run's intervals are reproducible.
public enum CalibrationStatistics {
    /// Spearman's rank correlation (ties get their mean rank); nil with fewer than 3 pairs or no spread.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count, x.count >= 3 else { return nil }
        return pearson(ranks(x), ranks(y))
    }

    /// A 95 % interval for Spearman's ρ from Fisher's z with the Fieller–Hartley–Pearson variance
    /// 1.06 / (n − 3); nil below 5 pairs.
    public static func spearmanInterval(_ rho: Double, count n: Int) -> ClosedRange<Double>? {
        guard n >= 5 else { return nil }
        let clamped = min(max(rho, -0.999_999), 0.999_999)
        let z = 0.5 * log((1 + clamped) / (1 - clamped))
        let half = 1.96 * (1.06 / Double(n - 3)).squareRoot()
        func back(_ z: Double) -> Double { let e = exp(2 * z); return (e - 1) / (e + 1) }
        return back(z - half)...back(z + half)
    }

    /// The `q` quantile (0–1) of `values` (linear between order statistics); nil when empty.
    public static func quantile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let position = min(max(q, 0), 1) * Double(sorted.count - 1)
        let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
        return sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below))
    }

    /// Pearson's correlation; nil without spread.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        guard sxx > 0, syy > 0 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }

    /// Ranks 1…n, ties sharing their mean rank.
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
            let mean = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = mean }
            i = j + 1
        }
        return ranks
    }

    /// Mean absolute error.
    public static func meanAbsoluteError(_ predicted: [Double], _ actual: [Double]) -> Double {
        zip(predicted, actual).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(max(predicted.count, 1))
    }

    /// Share of predictions within `tolerance` of the answer (after rounding the prediction to
    /// the nearest answer).
    public static func withinOne(_ predicted: [Double], _ actual: [Double], tolerance: Double = 1) -> Double {
        Double(zip(predicted, actual).count { abs($0.0.rounded() - $0.1) <= tolerance }) / Double(max(predicted.count, 1))
    }

    /// Area under the ROC curve: the chance a random positive scores above a random negative
    /// (ties count half); nil without both classes.
    public static func rocAUC(scores: [Double], positives: [Bool]) -> Double? {
        let positive = zip(scores, positives).filter(\.1).map(\.0)
        let negative = zip(scores, positives).filter { !$0.1 }.map(\.0)
        guard !positive.isEmpty, !negative.isEmpty else { return nil }
        // Mann–Whitney U from ranks.
        let all = ranks(positive + negative)
        let rankSum = all.prefix(positive.count).reduce(0, +)
        let u = rankSum - Double(positive.count * (positive.count + 1)) / 2
        return u / Double(positive.count * negative.count)
    }

    /// A percentile bootstrap 95 % interval of `statistic` over `samples` resamplings of the
    /// indices 0..<count.
    public static func bootstrap(
        count: Int, samples: Int = 1000, seed: UInt64 = 1, _ statistic: ([Int]) -> Double?
    ) -> ClosedRange<Double>? {
        guard count > 1 else { return nil }
        var generator = SeededGenerator(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(samples)
        for _ in 0..<samples {
            let indices = (0..<count).map { _ in Int(generator.next() % UInt64(count)) }
            if let value = statistic(indices), value.isFinite { values.append(value) }
        }
        guard values.count >= samples / 2 else { return nil }
        values.sort()
        let low = values[Int(Double(values.count - 1) * 0.025)]
        let high = values[Int(Double(values.count - 1) * 0.975)]
        return low...high
    }
}

/// SplitMix64: reproducible pseudo-random numbers.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
