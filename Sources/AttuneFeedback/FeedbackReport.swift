public import AttuneScoring

/// The numbers behind every feedback page (`feedback.json`, schema `attune.feedback/1`). CES
/// figures are on `scale`; behaviour values are in their stored unit (seconds, ratio, count, per s).
public struct FeedbackReport: Sendable, Codable, Equatable {
    public var schema = "attune.feedback/1"
    public var scale: SurveyScale
    /// The rules behind the findings, for the reader.
    public var rules: Rules
    public var advisors: [AdvisorFeedback]
    public var teams: [TeamFeedback]

    public struct Rules: Sendable, Codable, Equatable {
        /// Easy: survey effort index ≤ this (0 = effortless … 1 = most effort).
        public var easyMaximumEffortIndex: Double
        /// Hard: survey effort index ≥ this.
        public var hardMinimumEffortIndex: Double
        public var minimumCallsPerGroup: Int
        /// Points on `scale`.
        public var worthAListenPoints: Double
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
    /// Surveyed calls where the two differ by at least the worth-a-listen threshold.
    public var worthAListen: Int
    /// Answers at the easiest end of the scale (7 on CES 2.0).
    public var topBox: Int
    /// Calls whose customer's distress was `high`.
    public var highDistressCalls: Int
    /// Mean CES per week (weeks start on Monday), oldest first.
    public var trend: [WeekPoint]
    /// Answers rounded to whole points: how many of each, lowest answer first.
    public var distribution: [AnswerCount]
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
