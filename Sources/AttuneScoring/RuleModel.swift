/// A transparent scoring model: for each score, a bias plus weighted, transformed inputs, clamped
/// to 0–1. Inputs name metrics of the report (`call.deadAirSeconds`, `customer.energySpikes`,
/// `customer.cues.pitchRiseSemitones`, `scores.distress`, …); transforms work in each metric's own
/// unit. Loaded from `models/*.json` (see `RuleModel(jsonData:source:)`).
public struct RuleModel: Sendable, Equatable, Codable {
    /// Identifier shown in reports, e.g. `default`.
    public var id: String
    /// The model's own version, e.g. `1.0.0`.
    public var version: String
    public var description: String?
    /// The survey scale effort is reported on.
    public var scale: SurveyScale
    /// Likely customer effort: 0 (effortless) … 1 (the most effort), mapped onto `scale`.
    public var effort: ScoreDefinition
    /// Customer distress: 0 … 1, with levels.
    public var distress: ScoreDefinition
    /// Thresholds of the distress levels (`elevated` ≤ `high`, both in 0–1).
    public var distressLevels: DistressLevels
    /// Set on a model fitted on a centre's surveys: its parent, what it was fitted on, and its
    /// held-out figures. Nil on a hand-set or fixture-fitted model.
    public var fit: FitProvenance?

    public init(id: String, version: String, description: String? = nil, scale: SurveyScale, effort: ScoreDefinition, distress: ScoreDefinition, distressLevels: DistressLevels) {
        self.id = id
        self.version = version
        self.description = description
        self.scale = scale
        self.effort = effort
        self.distress = distress
        self.distressLevels = distressLevels
    }
}

/// A survey's scale: its range and which end is good.
public struct SurveyScale: Sendable, Equatable, Codable {
    /// Lowest answer (e.g. 1).
    public var min: Double
    /// Highest answer (e.g. 7).
    public var max: Double
    /// True when a higher answer means less effort (CES 2.0: 7 = very easy); false when a higher
    /// answer means more effort (CES 1.0: 5 = very high effort).
    public var higherIsEasier: Bool

    public init(min: Double, max: Double, higherIsEasier: Bool) {
        self.min = min
        self.max = max
        self.higherIsEasier = higherIsEasier
    }

    /// CES 2.0: 1–7, 7 = very easy.
    public static let ces2 = SurveyScale(min: 1, max: 7, higherIsEasier: true)
    /// CES 1.0: 1–5, 5 = very high effort.
    public static let ces1 = SurveyScale(min: 1, max: 5, higherIsEasier: false)
    /// A 1–9 scale where 9 means the least effort.
    public static let nine = SurveyScale(min: 1, max: 9, higherIsEasier: true)

    /// The answer an effort index (0 = effortless, 1 = the most effort) corresponds to.
    public func value(forEffortIndex index: Double) -> Double {
        let clamped = Swift.min(Swift.max(index, 0), 1)
        return higherIsEasier ? max - clamped * (max - min) : min + clamped * (max - min)
    }

    /// The effort index (0–1) of an answer on this scale.
    public func effortIndex(of value: Double) -> Double {
        let position = (value - min) / (max - min)
        return higherIsEasier ? 1 - position : position
    }

    /// Points on this scale per unit of effort index (its span).
    public var span: Double { max - min }
}

/// One score: `clamp(bias + Σ weightᵢ · transformᵢ(metricᵢ), 0, 1)`.
public struct ScoreDefinition: Sendable, Equatable, Codable {
    public var bias: Double
    public var inputs: [ModelInput]
    /// The most any one input may add to or take from the score, as a share of its 0–1 range
    /// (0–1; effort: of the survey scale's span, so 0.25 on 1–7 is 1.5 points): every input's
    /// |weight| × the largest |transform| stays within it. Nil: unbounded. Checked when a model
    /// is loaded and kept by `attune calibrate --fit`.
    public var maxContributionShare: Double?

    public init(bias: Double, inputs: [ModelInput], maxContributionShare: Double? = nil) {
        self.bias = bias
        self.inputs = inputs
        self.maxContributionShare = maxContributionShare
    }

    /// The weights `input` may take: from 0 (`raisesScore`) or the negative bound, up to the bound
    /// `maxContributionShare` sets for its transform.
    public func weightBounds(of input: ModelInput) -> ClosedRange<Double> {
        let largest = input.transform.largestMagnitude
        let upper = maxContributionShare.map { largest > 0 ? $0 / largest : .infinity } ?? .infinity
        return (input.direction == .raisesScore ? 0 : -upper)...upper
    }
}

/// One input of a score.
public struct ModelInput: Sendable, Equatable, Codable {
    /// Short name, unique within the score, e.g. `deadAir`.
    public var name: String
    /// What an advisor reads, e.g. "dead air".
    public var label: String
    /// The metric it reads, e.g. `call.deadAirSeconds`.
    public var metric: String
    /// The metric's unit, for the contribution's wording, e.g. `s`.
    public var unit: String
    public var transform: Transform
    public var weight: Double
    /// `raisesScore`: the score may never fall as the metric rises (the weight stays ≥ 0 and the
    /// transform must not decrease), which the loader checks and the fitter keeps.
    public var direction: Direction?
    /// True when `attune calibrate --fit` must keep this weight: evidence the calibration data
    /// cannot show (EmoDB's clips are level-normalised and too short for raised-voice events).
    public var locked: Bool?
    /// Where the weight comes from, when it is not fitted (a stated prior and why).
    public var source: String?

    public enum Direction: String, Sendable, Codable {
        case raisesScore
    }

    public init(name: String, label: String, metric: String, unit: String, transform: Transform, weight: Double, direction: Direction? = nil, locked: Bool? = nil) {
        self.locked = locked
        self.name = name
        self.label = label
        self.metric = metric
        self.unit = unit
        self.transform = transform
        self.weight = weight
        self.direction = direction
    }
}

/// Maps a metric, in its own unit, to 0–1-ish evidence.
public enum Transform: Sendable, Equatable, Codable {
    /// Straight lines between (x, y) breakpoints with increasing x; flat beyond the ends.
    case piecewiseLinear([[Double]])
    /// `1 / (1 + exp(−slope · (x − centre)))`.
    case logistic(centre: Double, slope: Double)

    public func apply(_ x: Double) -> Double {
        switch self {
        case .piecewiseLinear(let points):
            guard let first = points.first, let last = points.last else { return 0 }
            if x <= first[0] { return first[1] }
            if x >= last[0] { return last[1] }
            for (a, b) in zip(points, points.dropFirst()) where x <= b[0] {
                return a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])
            }
            return last[1]
        case .logistic(let centre, let slope):
            return 1 / (1 + exponential(-slope * (x - centre)))
        }
    }

    /// The largest |value| the transform can give (a logistic's: 1).
    public var largestMagnitude: Double {
        switch self {
        case .piecewiseLinear(let points): points.map { abs($0.last ?? 0) }.max() ?? 0
        case .logistic: 1
        }
    }

    /// Whether the transform never decreases as x rises.
    public var isNonDecreasing: Bool {
        switch self {
        case .piecewiseLinear(let points): zip(points, points.dropFirst()).allSatisfy { $1[1] >= $0[1] }
        case .logistic(_, let slope): slope >= 0
        }
    }

    private enum Keys: String, CodingKey { case piecewiseLinear, logistic }
    private struct LogisticParameters: Codable { var centre: Double; var slope: Double }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        guard container.allKeys.count == 1, let key = container.allKeys.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected exactly one of \"piecewiseLinear\" (breakpoints) or \"logistic\" ({\"centre\", \"slope\"})"))
        }
        switch key {
        case .piecewiseLinear: self = .piecewiseLinear(try container.decode([[Double]].self, forKey: .piecewiseLinear))
        case .logistic:
            let parameters = try container.decode(LogisticParameters.self, forKey: .logistic)
            self = .logistic(centre: parameters.centre, slope: parameters.slope)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case .piecewiseLinear(let points): try container.encode(points, forKey: .piecewiseLinear)
        case .logistic(let centre, let slope): try container.encode(LogisticParameters(centre: centre, slope: slope), forKey: .logistic)
        }
    }
}

/// Distress levels: below `elevated` is `none`.
public struct DistressLevels: Sendable, Equatable, Codable {
    public var elevated: Double
    public var high: Double

    public init(elevated: Double, high: Double) {
        self.elevated = elevated
        self.high = high
    }

    public func level(of value: Double) -> DistressLevel {
        value >= high ? .high : value >= elevated ? .elevated : .none
    }
}

public enum DistressLevel: String, Sendable, Codable, CaseIterable, Comparable {
    case none, elevated, high

    public static func < (a: DistressLevel, b: DistressLevel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// e^x without Foundation.
func exponential(_ x: Double) -> Double {
    // exp(x) = 2^(x·log2 e): split into integer and fractional powers of two.
    let y = x * 1.442_695_040_888_963_4
    guard y > -1000 else { return 0 }
    guard y < 1000 else { return .infinity }
    let whole = y.rounded(.down)
    let fraction = y - whole  // in [0, 1)
    // 2^f = e^(f·ln 2), Taylor series (enough terms for double precision on [0, ln 2)).
    let t = fraction * 0.693_147_180_559_945_3
    var term = 1.0, sum = 1.0
    for k in 1...20 {
        term *= t / Double(k)
        sum += term
    }
    return sum * Double(sign: .plus, exponent: Int(whole), significand: 1)
}

/// Where a fitted model came from, and how well it and its parent agreed with survey answers it
/// was not fitted on (`attune calibrate --fit` writes it into the model file).
public struct FitProvenance: Sendable, Equatable, Codable {
    /// The model the fit started from.
    public var parentId: String
    public var parentVersion: String
    /// SHA-256 of the parent model file's bytes.
    public var parentSha256: String
    /// What it was fitted on, e.g. `results store attune-results.db` or a fixtures folder.
    public var source: String
    /// The team the surveys were limited to, if any.
    public var team: String?
    /// The first and last survey responses fitted on (ISO 8601 UTC), when dated.
    public var firstResponseAt: String?
    public var lastResponseAt: String?
    /// Surveys (paired calls) fitted on.
    public var surveys: Int
    /// Cross-validation folds, and what a fold keeps together (`advisor` or `week`).
    public var folds: Int
    public var foldBy: String
    /// Its own held-out figures: each call predicted by a fit that never saw its fold.
    public var heldOut: AgreementFigures
    /// The parent's figures on the same calls.
    public var parentOnSameCalls: AgreementFigures

    public init(
        parentId: String, parentVersion: String, parentSha256: String, source: String, team: String?, firstResponseAt: String?,
        lastResponseAt: String?, surveys: Int, folds: Int, foldBy: String, heldOut: AgreementFigures, parentOnSameCalls: AgreementFigures
    ) {
        self.parentId = parentId
        self.parentVersion = parentVersion
        self.parentSha256 = parentSha256
        self.source = source
        self.team = team
        self.firstResponseAt = firstResponseAt
        self.lastResponseAt = lastResponseAt
        self.surveys = surveys
        self.folds = folds
        self.foldBy = foldBy
        self.heldOut = heldOut
        self.parentOnSameCalls = parentOnSameCalls
    }
}

/// How predicted effort agreed with survey answers, on the answers' scale.
public struct AgreementFigures: Sendable, Equatable, Codable {
    public var surveys: Int
    /// Spearman ρ (positive = agreeing) and its bootstrap 95 % interval; nil without spread.
    public var spearman: Double?
    public var spearmanLow: Double?
    public var spearmanHigh: Double?
    /// Mean |answer − predicted| (points).
    public var meanAbsoluteErrorPoints: Double
    /// Mean (answer − predicted) in effort points: positive = customers found calls harder.
    public var biasPoints: Double
    /// Share of rounded predictions within one point of the answer (0–1).
    public var withinOne: Double
    /// The quantile (0–1) of |error| given next…
    public var errorQuantile: Double
    /// …in effort-index units (0–1; × the scale's span for points).
    public var errorQuantileIndex: Double

    public init(
        surveys: Int, spearman: Double?, spearmanLow: Double?, spearmanHigh: Double?, meanAbsoluteErrorPoints: Double, biasPoints: Double,
        withinOne: Double, errorQuantile: Double, errorQuantileIndex: Double
    ) {
        self.surveys = surveys
        self.spearman = spearman
        self.spearmanLow = spearmanLow
        self.spearmanHigh = spearmanHigh
        self.meanAbsoluteErrorPoints = meanAbsoluteErrorPoints
        self.biasPoints = biasPoints
        self.withinOne = withinOne
        self.errorQuantile = errorQuantile
        self.errorQuantileIndex = errorQuantileIndex
    }
}
