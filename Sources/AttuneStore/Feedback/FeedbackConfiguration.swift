public import AttuneScoring

/// Everything `attune feedback` can be told, with its default.
///
/// **Easy and hard calls.** A survey answer is placed on the effort axis of its scale (0 =
/// effortless … 1 = the most effort), so every scale shares one definition: an answer in the easiest
/// third (effort index ≤ 1/3: 5–7 on CES 2.0, 1–2 on CES 1.0, 7–9 on 1–9) makes the call *easy*, an
/// answer in the hardest third (≥ 2/3: 1–3 on CES 2.0, 4–5 on CES 1.0, 1–3 on 1–9) makes it
/// *hard*; the middle is neither. This is CES 2.0's usual "agree / disagree" split, and it is the
/// same for every advisor, so one advisor's "hard" means what another's does.
public struct FeedbackConfiguration: Sendable, Equatable {
    /// The survey program's scale: CES figures are reported on it.
    public var scale: SurveyScale
    /// An answer at or below this effort index (0–1) makes the call easy.
    public var easyMaximumEffortIndex: Double
    /// An answer at or above this effort index (0–1) makes the call hard.
    public var hardMinimumEffortIndex: Double
    /// A finding (easy against hard) is stated only when each group has at least this many calls.
    public var minimumCallsPerGroup: Int
    /// An optional extra floor, in points on `scale` (> 0): a call is worth a listen only when model
    /// and customer differ by at least this much *as well as* by more than the calibrated error of
    /// the model that scored it (see `FeedbackReport.models`). Default nil: no floor.
    public var worthAListenPoints: Double?
    /// Calls listed per advisor where model and customer disagreed most (worth a listen).
    public var disagreementsPerAdvisor: Int
    /// An advisor's most recent hard-rated calls listed on their page, newest response first.
    public var hardRatedPerAdvisor: Int
    /// Behaviours stated per advisor or team (those that differ most).
    public var findingsPerReport: Int
    /// Advisor care: this many high-distress calls in a row within one shift raise a flag.
    public var careRunLength: Int
    /// Advisor care: calls more than this far apart (start to start) belong to different shifts.
    public var careShiftGap: Duration

    public init(
        scale: SurveyScale = .ces2, easyMaximumEffortIndex: Double = 1.0 / 3, hardMinimumEffortIndex: Double = 2.0 / 3,
        minimumCallsPerGroup: Int = 8, worthAListenPoints: Double? = nil, disagreementsPerAdvisor: Int = 3, hardRatedPerAdvisor: Int = 10,
        findingsPerReport: Int = 3, careRunLength: Int = 3, careShiftGap: Duration = .seconds(4 * 3600)
    ) {
        self.scale = scale
        self.easyMaximumEffortIndex = easyMaximumEffortIndex
        self.hardMinimumEffortIndex = hardMinimumEffortIndex
        self.minimumCallsPerGroup = minimumCallsPerGroup
        self.worthAListenPoints = worthAListenPoints
        self.disagreementsPerAdvisor = disagreementsPerAdvisor
        self.hardRatedPerAdvisor = hardRatedPerAdvisor
        self.findingsPerReport = findingsPerReport
        self.careRunLength = careRunLength
        self.careShiftGap = careShiftGap
    }

    /// `careShiftGap` in hours.
    var careShiftGapHours: Double {
        let components = careShiftGap.components
        return (Double(components.seconds) + Double(components.attoseconds) * 1e-18) / 3600
    }
}

/// Which calls a feedback run covers.
public struct FeedbackScope: Sendable, Equatable {
    /// Only this advisor's report (and their team's).
    public var agentId: String?
    /// Only this team.
    public var team: String?
    /// Only calls that took place (else were analysed) on or after this ISO 8601 UTC time.
    public var since: String?

    public init(agentId: String? = nil, team: String? = nil, since: String? = nil) {
        self.agentId = agentId
        self.team = team
        self.since = since
    }
}
