public import AttuneScoring

/// Agreement of predicted effort with survey answers, both as effort indices (0 = effortless …
/// 1 = the most effort), in the answers' scale's points. Pure functions.
public enum Agreement {
    /// The quantile of |error| a model's "worth a listen" threshold is set at (0–1).
    public static let errorQuantile = 0.9

    /// Above this many pairs, Spearman ρ's 95 % interval comes from Fisher's z with the
    /// Fieller–Hartley–Pearson variance 1.06 / (n − 3) instead of resampling (1,000 sorts of
    /// 100,000 pairs would take most of a minute; at this size the two agree to ±0.01).
    public static let largestBootstrappedSpearman = 5_000

    /// ρ, MAE, bias, within-one and the error quantile of `predicted` against `answers` (without
    /// intervals: per fold and per week).
    public static func figures(predicted: [Double], answers: [Double], scale: SurveyScale) -> AgreementFigures {
        let n = predicted.count
        let absolute = zip(predicted, answers).map { abs($1 - $0) }
        let predictedValues = predicted.map { scale.value(forEffortIndex: $0) }
        let answerValues = answers.map { scale.value(forEffortIndex: $0) }
        let spearman = CalibrationStatistics.spearman(predicted, answers)
        let interval = spearman.map { CalibrationStatistics.spearmanInterval($0, count: n) } ?? nil
        return AgreementFigures(
            surveys: n, spearman: spearman, spearmanLow: interval?.lowerBound, spearmanHigh: interval?.upperBound,
            meanAbsoluteErrorPoints: absolute.reduce(0, +) / Double(max(n, 1)) * scale.span,
            biasPoints: biasPoints(predicted: predicted, answers: answers, scale: scale),
            withinOne: CalibrationStatistics.withinOne(predictedValues, answerValues),
            errorQuantile: errorQuantile, errorQuantileIndex: errorQuantileIndex(predicted: predicted, answers: answers))
    }

    /// Mean (answer − predicted) in effort points: + = customers found calls harder than predicted.
    public static func biasPoints(predicted: [Double], answers: [Double], scale: SurveyScale) -> Double {
        zip(predicted, answers).reduce(0) { $0 + $1.1 - $1.0 } / Double(max(predicted.count, 1)) * scale.span
    }

    /// |answer − predicted| at `errorQuantile`, in effort-index units (0 without pairs).
    public static func errorQuantileIndex(predicted: [Double], answers: [Double]) -> Double {
        CalibrationStatistics.quantile(zip(predicted, answers).map { abs($1 - $0) }, errorQuantile) ?? 0
    }

    /// Share of predictions at an end of the scale (an index clamped to 0 or 1).
    public static func pinnedShare(_ predicted: [Double]) -> Double {
        Double(predicted.count { $0 <= 1e-9 || $0 >= 1 - 1e-9 }) / Double(max(predicted.count, 1))
    }
}
