/// What one input added to a score.
public struct Contribution: Sendable, Equatable, Codable {
    /// The input's label, e.g. "dead air".
    public var input: String
    /// The metric it read, e.g. `call.deadAirSeconds`.
    public var metric: String
    /// The metric's value in its unit; nil when it could not be known (then `points` is 0).
    public var value: Double?
    public var unit: String
    /// Points added: effort points on the survey scale (positive = more effort), or distress
    /// points (0–1 scale). For the change an effort contribution makes to the value a reader sees
    /// on the scale, see `SurveyScale.change(forEffortPoints:)` and `effortText(on:)`.
    public var points: Double
    /// "dead air 41 s: +0.8" (in `points`: effort points, or distress points)
    public var text: String

    /// Whether the points show in the text as anything but ±0.0 (short "why" lists leave the
    /// others out; reports keep them all).
    public var isNoticeable: Bool { abs(points) >= Self.noticeablePoints }

    /// `text` without its points: "dead air 41 s" (as measured, before the report rounds `value`).
    public var reason: String {
        guard let colon = text.lastIndex(of: ":") else { return text }
        return String(text[..<colon])
    }
}

/// Likely customer effort.
///
/// Encoded (reports, the store) with two fields for readers that are not decoded back: `level`
/// (`low`, `moderate`, `high`: `EffortLevel`) and, on each contribution, `scaleChange` and `effect`
/// (`EffortContributionEncoding`). Decoding reads the stored fields only, so a decoded report
/// equals the one encoded.
public struct EffortScore: Sendable, Equatable, Codable {
    /// On the survey scale (`scale`).
    public var value: Double
    public var scale: SurveyScale
    /// 0 (effortless) … 1 (the most effort), before mapping onto the scale.
    public var index: Double
    /// The model's starting point, in effort points.
    public var basePoints: Double
    /// Largest first; `points` in effort points (positive = more effort).
    public var contributions: [Contribution]

    private enum EncodedKeys: String, CodingKey { case value, scale, index, basePoints, contributions, level }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: EncodedKeys.self)
        try container.encode(value, forKey: .value)
        try container.encode(scale, forKey: .scale)
        try container.encode(index, forKey: .index)
        try container.encode(basePoints, forKey: .basePoints)
        try container.encode(contributions.map { EffortContributionEncoding($0, scale: scale) }, forKey: .contributions)
        try container.encode(level, forKey: .level)
    }
}

/// Customer distress (never the advisor's).
public struct DistressScore: Sendable, Equatable, Codable {
    /// 0 … 1.
    public var value: Double
    public var level: DistressLevel
    public var basePoints: Double
    /// Largest first.
    public var contributions: [Contribution]
}

/// Applies a `RuleModel` to metric values. Pure: no I/O, no state.
public struct Scorer: Sendable {
    public let model: RuleModel

    public init(model: RuleModel) { self.model = model }

    /// Distress from the customer's cues (`metrics` maps metric names to values; absent = unknown).
    public func distress(_ metrics: [String: Double]) -> DistressScore {
        let (raw, contributions) = evaluate(model.distress, metrics, pointsPerUnit: 1)
        let value = min(max(raw, 0), 1)
        return DistressScore(value: value, level: model.distressLevels.level(of: value), basePoints: model.distress.bias, contributions: contributions)
    }

    /// Effort from the call's metrics (and the distress score, as metric `scores.distress`).
    public func effort(_ metrics: [String: Double]) -> EffortScore {
        let span = model.scale.span
        let (raw, contributions) = evaluate(model.effort, metrics, pointsPerUnit: span)
        let index = min(max(raw, 0), 1)
        return EffortScore(
            value: model.scale.value(forEffortIndex: index), scale: model.scale, index: index,
            basePoints: model.effort.bias * span, contributions: contributions)
    }

    /// The distress value alone: exactly `distress(metrics).value`, without the contributions'
    /// texts (for the moving value, scored every second of a call).
    public func distressValue(_ metrics: [String: Double]) -> Double {
        var total = model.distress.bias
        for input in model.distress.inputs { total += Self.share(of: input, metrics[input.metric]) }
        return min(max(total, 0), 1)
    }

    /// An input's share of its score: `weight · transform(value)`, 0 when the metric is unknown.
    private static func share(of input: ModelInput, _ value: Double?) -> Double {
        value.map { input.weight * input.transform.apply($0) } ?? 0
    }

    /// `bias + Σ weight · transform(metric)` and each input's share of it (scaled by `pointsPerUnit`).
    public func evaluate(_ score: ScoreDefinition, _ metrics: [String: Double], pointsPerUnit: Double) -> (Double, [Contribution]) {
        var total = score.bias
        var contributions: [Contribution] = []
        for input in score.inputs {
            let value = metrics[input.metric]
            let share = Self.share(of: input, value)
            total += share
            let points = share * pointsPerUnit
            contributions.append(Contribution(
                input: input.label, metric: input.metric, value: value, unit: input.unit, points: points,
                text: "\(input.label) \(value.map { formatValue($0, unit: input.unit) } ?? "unknown"): \(signed(points))"))
        }
        contributions.sort { abs($0.points) > abs($1.points) }
        return (total, contributions)
    }
}

/// "41 s", "2", "3.5 st", "2×", "7 %" (unit `share`: a 0–1 share shown as a percentage). Any
/// value prints, however large (`1e+18 s`), and never traps.
func formatValue(_ value: Double, unit: String) -> String {
    if unit == "share" { return "\(wholeNumber(value * 100)) %" }
    let number = value == value.rounded() ? wholeNumber(value) : oneDecimal(value)
    switch unit {
    case "", "count": return number
    case "×": return number + "×"
    default: return "\(number) \(unit)"
    }
}

/// "+0.8", "−0.3", "+0.0"
func signed(_ value: Double) -> String {
    let text = oneDecimal(abs(value))
    return (value < -0.05 ? "−" : "+") + text
}

/// Magnitudes below this are printed through integer arithmetic (exact); above it a Double has no
/// fractional digits worth showing and prints as Swift writes it (`1e+18`).
private let exactIntegerLimit = 1e15

/// "41", "-3", "1e+18": the value rounded to a whole number.
func wholeNumber(_ value: Double) -> String {
    let rounded = value.rounded()
    guard rounded.isFinite, abs(rounded) < exactIntegerLimit else { return "\(rounded)" }
    return String(Int(rounded))
}

/// "0.8", "-12.3", "1e+18": one decimal place.
func oneDecimal(_ value: Double) -> String {
    guard value.isFinite, abs(value) < exactIntegerLimit else { return "\(value.rounded())" }
    let tenths = Int((value * 10).rounded())
    let magnitude = abs(tenths)
    return (tenths < 0 ? "-" : "") + "\(magnitude / 10).\(magnitude % 10)"
}
