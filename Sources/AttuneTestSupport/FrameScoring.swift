/// Frame-level comparison of speech timelines (10 ms frames), as the accuracy targets are stated.
public enum FrameScoring {
    /// Frame length (s).
    public static let frameSeconds = 0.01

    /// Rasterises (start, end) spans in seconds onto `frameCount` 10 ms frames.
    public static func frames(_ spans: [(Double, Double)], frameCount: Int) -> [Bool] {
        var flags = [Bool](repeating: false, count: frameCount)
        for (start, end) in spans {
            let first = max(0, Int((start / frameSeconds).rounded()))
            let last = min(frameCount, Int((end / frameSeconds).rounded()))
            if first < last { for i in first..<last { flags[i] = true } }
        }
        return flags
    }

    /// Frames detected and true, detected but not true, and true but missed, skipping frames where
    /// `include` is false.
    public static func counts(truth: [Bool], detected: [Bool], include: [Bool]? = nil) -> (truePositive: Int, falsePositive: Int, falseNegative: Int) {
        var truePositive = 0, falsePositive = 0, falseNegative = 0
        for i in 0..<min(truth.count, detected.count) where include?[i] ?? true {
            switch (truth[i], detected[i]) {
            case (true, true): truePositive += 1
            case (false, true): falsePositive += 1
            case (true, false): falseNegative += 1
            case (false, false): break
            }
        }
        return (truePositive, falsePositive, falseNegative)
    }

    /// Precision, recall and F1 of `detected` against `truth`, skipping frames where `include` is false.
    public static func f1(truth: [Bool], detected: [Bool], include: [Bool]? = nil) -> (precision: Double, recall: Double, f1: Double) {
        let (truePositive, falsePositive, falseNegative) = counts(truth: truth, detected: detected, include: include)
        guard truePositive > 0 else {
            let perfect = falsePositive == 0 && falseNegative == 0
            return (perfect ? 1 : 0, perfect ? 1 : 0, perfect ? 1 : 0)
        }
        let precision = Double(truePositive) / Double(truePositive + falsePositive)
        let recall = Double(truePositive) / Double(truePositive + falseNegative)
        return (precision, recall, 2 * precision * recall / (precision + recall))
    }

    /// Total time (s) two span lists overlap.
    public static func overlapSeconds(_ a: [(Double, Double)], _ b: [(Double, Double)]) -> Double {
        var total = 0.0
        for (s1, e1) in a { for (s2, e2) in b { total += max(0, min(e1, e2) - max(s1, s2)) } }
        return total
    }

    /// Whether two spans overlap.
    public static func overlaps(_ a: (Double, Double), _ b: (Double, Double)) -> Bool { a.0 < b.1 && b.0 < a.1 }
}
