public import AttuneScoring

/// The numbers behind every feedback page (`feedback.json`, schema `attune.feedback/1`). CES
/// figures are on `scale`; behaviour values are in their stored unit (seconds, ratio, count, per s).
public struct FeedbackReport: Sendable, Codable, Equatable {
    public var schema = "attune.feedback/1"
    public var scale: SurveyScale
    /// The rules behind the findings, for the reader.
    public var rules: Rules
    /// The models that scored calls in scope, most calls first, and whether their disagreements
    /// with customers can be trusted to point at calls worth a listen.
    public var models: [ModelAgreement]
    public var advisors: [AdvisorFeedback]
    public var teams: [TeamFeedback]

    public struct Rules: Sendable, Codable, Equatable {
        /// Easy: survey effort index ≤ this (0 = effortless … 1 = most effort).
        public var easyMaximumEffortIndex: Double
        /// Hard: survey effort index ≥ this.
        public var hardMinimumEffortIndex: Double
        public var minimumCallsPerGroup: Int
        /// The optional extra floor for a call worth a listen, in points on `scale`; nil = none.
        public var worthAListenPoints: Double?
        public var careRunLength: Int
        public var careShiftGapHours: Double
        public var since: String?
    }
}

/// Survey figures of a group of calls (an advisor's or a team's).
public struct SurveySummary: Sendable, Codable, Equatable {
    /// Calls stored for the group (with or without a survey).
    public var calls: Int
    /// Calls with a survey (each call's latest response counts once).
    public var surveys: Int
    /// Mean answer on the program's scale; nil without surveys.
    public var meanCES: Double?
    /// Mean predicted effort on the same scale, over the surveyed calls that have scores.
    public var meanPredictedCES: Double?
    /// Mean |surveyed − predicted| in points (agreement: lower is better).
    public var meanAbsoluteDifferencePoints: Double?
    /// Surveyed calls worth a listen: scored by a model whose latest calibration on this centre's
    /// surveys shows agreement, and differing from the answer by more than that calibration's
    /// error quantile (and by at least `Rules.worthAListenPoints` when set).
    public var worthAListen: Int
    /// Answers at the easiest end of the scale (7 on CES 2.0).
    public var topBox: Int
    /// Calls whose customer's distress was `high`.
    public var highDistressCalls: Int
    /// Mean CES per week (weeks start on Monday), oldest first.
    public var trend: [WeekPoint]
    /// Answers rounded to whole points: how many of each, lowest answer first.
    public var distribution: [AnswerCount]
    /// The models (`ModelAgreement.modelSha256`) that scored the group's surveyed calls, most
    /// surveys first.
    public var modelSha256s: [String]
}

/// How well predicted effort matched the answers in one week (a team's drift): a falling ρ or a
/// growing bias means the model has stopped matching the customers and should be recalibrated.
public struct WeekAgreement: Sendable, Codable, Equatable {
    /// The week's Monday (of the responses), `YYYY-MM-DD`.
    public var weekStarting: String
    /// Surveyed calls with a prediction that week.
    public var surveys: Int
    /// Spearman's ρ between predicted and surveyed effort (−1…1); nil below 3 surveys or
    /// without spread in either.
    public var spearman: Double?
    /// Mean |answer − predicted| in points on the report's scale (≥ 0).
    public var meanAbsoluteErrorPoints: Double
    /// Mean (answer − predicted) in effort points on the report's scale: positive = customers
    /// found calls harder than predicted.
    public var biasPoints: Double

    public init(weekStarting: String, surveys: Int, spearman: Double?, meanAbsoluteErrorPoints: Double, biasPoints: Double) {
        self.weekStarting = weekStarting
        self.surveys = surveys
        self.spearman = spearman
        self.meanAbsoluteErrorPoints = meanAbsoluteErrorPoints
        self.biasPoints = biasPoints
    }
}

/// A model that scored calls in scope, with its latest calibration on this centre's surveys (the
/// store's `calibrations` row with the highest id for its sha-256). Its disagreements with
/// customers mark calls worth a listen only when `marksCalls`: otherwise they would show the
/// model's own error, not coaching moments.
public struct ModelAgreement: Sendable, Codable, Equatable {
    public var modelSha256: String
    /// The model file's `id` and `version`, as the scores table records them.
    public var modelId: String
    public var modelVersion: String
    /// Calls in scope it scored (with or without a survey).
    public var calls: Int
    /// Of those, calls with a survey.
    public var surveys: Int
    /// Its latest calibration; nil when it has never been calibrated on this store.
    public var calibration: Calibration?
    /// The calibration shows agreement (the lower end of ρ's 95 % interval is above 0), so calls
    /// it scored are marked worth a listen beyond its error quantile.
    public var marksCalls: Bool

    /// "default 0.4.0".
    public var name: String { "\(modelId) \(modelVersion)" }

    /// A stored calibration's figures, points converted to the report's scale.
    public struct Calibration: Sendable, Codable, Equatable {
        /// `measured` (the model's own predictions on surveys) or `heldOut` (a fitted model's
        /// k-fold held-out predictions).
        public var kind: String
        /// Surveys it was measured on.
        public var surveys: Int
        /// Spearman's ρ between predicted and surveyed effort (−1…1) and its 95 % interval.
        public var spearman: Double?
        public var spearmanLow: Double?
        public var spearmanHigh: Double?
        /// Mean |answer − predicted|, points (≥ 0).
        public var meanAbsoluteErrorPoints: Double
        /// Mean (answer − predicted), effort points: positive = customers found calls harder than predicted.
        public var biasPoints: Double
        /// The quantile of |answer − predicted| (0–1, e.g. 0.9)…
        public var errorQuantile: Double
        /// …in effort-index units (0–1)…
        public var errorQuantileIndex: Double
        /// …and in points (the index × the scale's span): the disagreement a call must exceed.
        public var errorQuantilePoints: Double
        /// When it was recorded, ISO 8601 UTC.
        public var createdAt: String
    }
}

public struct WeekPoint: Sendable, Codable, Equatable {
    /// The week's Monday, `YYYY-MM-DD`.
    public var weekStarting: String
    public var surveys: Int
    public var meanCES: Double
}

public struct AnswerCount: Sendable, Codable, Equatable {
    public var answer: Int
    public var count: Int

    public init(answer: Int, count: Int) {
        self.answer = answer
        self.count = count
    }
}

/// One behaviour on easy against hard calls (and the team's median), with its finding.
public struct BehaviourComparison: Sendable, Codable, Equatable {
    public var behaviour: String
    /// False when the store does not measure it (holds): every value is then nil.
    public var measured: Bool
    /// Mean on easy-rated calls, and how many calls back it.
    public var easyMean: Double?
    public var easyCalls: Int
    public var hardMean: Double?
    public var hardCalls: Int
    /// Mean over all the group's calls (surveyed or not).
    public var overallMean: Double?
    /// Median over all the team's calls.
    public var teamMedian: Double?
    /// (hard − easy) / the team's standard deviation of the behaviour over surveyed calls; nil
    /// when either group has fewer calls than the minimum.
    public var standardisedDifference: Double?
}

/// A statement for the reader: a difference backed by enough calls, or why none is made.
public struct Finding: Sendable, Codable, Equatable {
    /// The behaviour's key; nil for "too few calls to say".
    public var behaviour: String?
    public var text: String
    /// Calls behind the statement (hard + easy).
    public var calls: Int
}

/// A call where the model and the customer disagreed, with its moments.
public struct Disagreement: Sendable, Codable, Equatable {
    public var callId: String
    public var startedAt: String?
    public var surveyedCES: Double
    public var predictedCES: Double
    /// Surveyed minus predicted effort, in points: positive = harder than predicted.
    public var differencePoints: Double
    /// The customer's comment on the survey, if any.
    public var comment: String?
    public var moments: [Moment]
}

/// A surveyed call as the customer rated it (an advisor's hard-rated calls), with its moments.
public struct RatedCall: Sendable, Codable, Equatable {
    public var callId: String
    public var startedAt: String?
    /// ISO 8601 UTC.
    public var respondedAt: String
    /// The answer on the report's scale.
    public var surveyedCES: Double
    /// The model's predicted effort on the same scale; nil for an unscored call.
    public var predictedCES: Double?
    /// The customer's comment on the survey, if any.
    public var comment: String?
    public var moments: [Moment]
}

/// An event of a call worth listening to.
public struct Moment: Sendable, Codable, Equatable {
    /// `deadAir`, `interruption` or `energySpike`.
    public var type: String
    public var party: String?
    public var startSeconds: Double
    public var endSeconds: Double
}

public struct AdvisorFeedback: Sendable, Codable, Equatable {
    public var agentId: String
    public var team: String
    public var summary: SurveySummary
    public var behaviours: [BehaviourComparison]
    public var findings: [Finding]
    public var disagreements: [Disagreement]
    /// The most recent hard-rated surveyed calls (at most `hardRatedPerAdvisor`), newest response first.
    public var hardRated: [RatedCall]
    /// Top-box answers in a row, counting back from the latest.
    public var topBoxStreak: Int
}

public struct TeamFeedback: Sendable, Codable, Equatable {
    public var team: String
    public var advisors: Int
    public var summary: SurveySummary
    public var behaviours: [BehaviourComparison]
    /// Behaviours most associated with low CES across the team (or "too few calls to say").
    public var findings: [Finding]
    /// Agreement between predicted and surveyed effort per week (drift), oldest first.
    public var agreementByWeek: [WeekAgreement]
    /// Calls whose customer's distress was high, newest first, and who handled them.
    public var distressedCalls: [DistressedCall]
    /// Advisors who took several high-distress calls in a row within a shift.
    public var care: [CareFlag]
    /// Top-box answers and current streak per advisor, most top-box first.
    public var recognition: [Recognition]
}

public struct DistressedCall: Sendable, Codable, Equatable {
    public var callId: String
    public var agentId: String
    public var startedAt: String?
    /// Customer distress, 0–1.
    public var distress: Double?
}

public struct CareFlag: Sendable, Codable, Equatable {
    public var agentId: String
    /// High-distress calls in a row.
    public var callsInARow: Int
    public var firstCallAt: String
    public var lastCallAt: String

    public init(agentId: String, callsInARow: Int, firstCallAt: String, lastCallAt: String) {
        self.agentId = agentId
        self.callsInARow = callsInARow
        self.firstCallAt = firstCallAt
        self.lastCallAt = lastCallAt
    }
}

public struct Recognition: Sendable, Codable, Equatable {
    public var agentId: String
    public var topBox: Int
    public var surveys: Int
    public var streak: Int

    public init(agentId: String, topBox: Int, surveys: Int, streak: Int) {
        self.agentId = agentId
        self.topBox = topBox
        self.surveys = surveys
        self.streak = streak
    }
}
