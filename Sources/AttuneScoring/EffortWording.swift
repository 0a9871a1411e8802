/// How likely customer effort is said to a reader, in one place: the text summary, the JSON
/// report, live updates, the desktop and wall pages and the CSV export all read it from here.
///
/// Effort is computed in *effort points* (positive = more effort; `Contribution.points`), but a
/// reader sees the number on the survey's own scale, where effort may pull the answer down
/// (CES 2.0: 1–7, 7 = very easy) or push it up (CES 1.0: 1–5, 5 = very high effort). So the level
/// is said in words, and each reason is given as the change it makes to the number shown, with
/// the way it goes in words: `dead air 10.5 s: −0.6 (harder)` on CES 2.0, `+0.4 (harder)` on CES 1.0.

/// Likely customer effort in words: the thirds of the effort index (0 = effortless … 1 = the most
/// effort).
public enum EffortLevel: String, Sendable, Equatable, Codable, CaseIterable {
    /// Effort index below 1/3: an easy call.
    case low
    /// Effort index from 1/3 up to (not including) 2/3.
    case moderate
    /// Effort index 2/3 or more: a hard call.
    case high

    /// The effort index (0–1) from which effort is `moderate`.
    public static let moderateFromIndex = 1.0 / 3
    /// The effort index (0–1) from which effort is `high`.
    public static let highFromIndex = 2.0 / 3

    /// The level of an effort index (0 = effortless … 1 = the most effort; values outside 0–1
    /// fall in the nearest end's level).
    public init(index: Double) {
        self = index >= Self.highFromIndex ? .high : index >= Self.moderateFromIndex ? .moderate : .low
    }
}

/// Which way a contribution moves the customer's likely experience, as the reader sees it.
public enum EffortEffect: String, Sendable, Equatable, Codable, CaseIterable {
    /// Adds effort (at least 0.05 effort points: it shows as 0.1 or more).
    case harder
    /// Takes effort away (at least 0.05 effort points).
    case easier
    /// Less than 0.05 effort points either way: it shows as 0.0 (an unknown input adds 0).
    case none

    /// The effect of `points` effort points (positive = more effort). Tiny amounts, which read as
    /// 0.0 at one decimal (`Contribution.isNoticeable`), are `none`.
    public init(effortPoints points: Double) {
        self = abs(points) < Contribution.noticeablePoints ? .none : points > 0 ? .harder : .easier
    }
}

extension SurveyScale {
    /// The answer that means the least effort: `max` when a higher answer is easier (CES 2.0: 7),
    /// else `min` (CES 1.0: 1).
    public var easiestAnswer: Double { higherIsEasier ? max : min }

    /// The signed change, in answer points on this scale, that `points` effort points (positive =
    /// more effort) make to the value shown: on CES 2.0 (higher = easier) +0.6 effort points lower
    /// the answer by 0.6 (−0.6); on CES 1.0 (higher = more effort) they raise it (+0.6). Never −0.
    public func change(forEffortPoints points: Double) -> Double {
        guard points != 0 else { return 0 }
        return higherIsEasier ? -points : points
    }

    /// "1–7, where 7 = very easy" (CES 2.0), "1–5, where 1 = very easy" (CES 1.0).
    public var readerDescription: String {
        "\(plainNumber(min))–\(plainNumber(max)), where \(plainNumber(easiestAnswer)) = very easy"
    }
}

extension EffortScore {
    /// Likely effort in words, from `index`.
    public var level: EffortLevel { EffortLevel(index: index) }

    /// The value on its scale and what the scale means, one decimal: "1.2 on 1–7, where 7 = very easy".
    public var valueOnScaleText: String { "\(oneDecimal(value)) on \(scale.readerDescription)" }
}

extension Contribution {
    /// The smallest |points| that shows as anything but 0.0 at one decimal.
    public static let noticeablePoints = 0.05

    /// For an effort contribution on `scale`: its reason, the change it makes to the value shown
    /// on that scale (one decimal, signed with "+" or "−") and the way it goes in words:
    /// "dead air 10.5 s: −0.6 (harder)" on CES 2.0, "dead air 10.5 s: +0.4 (harder)" on CES 1.0,
    /// "dead air 1 s: 0.0 (none)" for one that shows as nothing. `text` keeps effort points.
    public func effortText(on scale: SurveyScale) -> String {
        let effect = EffortEffect(effortPoints: points)
        let change = scale.change(forEffortPoints: points)
        let shown = effect == .none ? oneDecimal(0) : (change < 0 ? "−" : "+") + oneDecimal(abs(change))
        return "\(reason): \(shown) (\(effect.rawValue))"
    }
}

/// An effort contribution as reports and live updates write it: the contribution's own fields
/// (`points` in effort points, `text`), plus `scaleChange` (the signed change of the value shown,
/// in answer points on `scale`: `SurveyScale.change(forEffortPoints:)`) and `effect` (`harder`,
/// `easier` or `none`). Written only: a reader decodes a plain `Contribution` and ignores the two.
public struct EffortContributionEncoding: Encodable, Sendable {
    public var contribution: Contribution
    public var scale: SurveyScale

    public init(_ contribution: Contribution, scale: SurveyScale) {
        self.contribution = contribution
        self.scale = scale
    }

    private enum Keys: String, CodingKey { case scaleChange, effect }

    public func encode(to encoder: any Encoder) throws {
        try contribution.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(scale.change(forEffortPoints: contribution.points), forKey: .scaleChange)
        try container.encode(EffortEffect(effortPoints: contribution.points), forKey: .effect)
    }
}

/// 7, 2.5: a whole number without its ".0".
func plainNumber(_ value: Double) -> String { value == value.rounded() ? wholeNumber(value) : oneDecimal(value) }
