import AttuneScoring

// The feedback figures, computed in the store with set-based SQL: three temporary tables (the calls
// in scope with their behaviours, the models that scored them with their latest calibration, and
// the calls' paired surveys), then one GROUP BY or window query per figure. No query runs per call
// or per advisor.

extension FeedbackReport {
    /// Computes every advisor's and team's figures over the calls in `scope`.
    public static func build(from store: ResultsStore, configuration: FeedbackConfiguration, scope: FeedbackScope) async throws(StorageError) -> FeedbackReport {
        try await store.write("computing feedback") { session in
            try FeedbackQuery(session: session, configuration: configuration, scope: scope).report()
        }
    }
}

/// One feedback computation on one connection (inside a write, for its temporary tables). The SQL
/// runs unchanged on SQLite and PostgreSQL but for `SQLDialect`'s date functions; truth values
/// are computed as 0 and 1 with `CASE` (SQLite has no boolean type, PostgreSQL will not add them).
struct FeedbackQuery {
    let session: any StoreSession
    let configuration: FeedbackConfiguration
    let scope: FeedbackScope

    /// Rounding slack for thresholds on effort indices and points (answers are exact to ~1e-15).
    static let slack = 1e-9

    /// The Monday (`YYYY-MM-DD`) of a response's week, in SQL.
    private var responseWeek: String { session.dialect.weekStarting("respondedAt") }

    private static let tables = ["fbCalls", "fbModels", "fbSurveys", "fbListed"]
    private func dropTables() throws {
        for table in Self.tables { try session.execute("DROP TABLE IF EXISTS \(session.dialect.temporary(table))") }
    }

    private var arguments: [String: SQLValue] {
        let scale = configuration.scale
        return [
            "since": scope.since.sqlValue, "team": scope.team.sqlValue, "agent": scope.agentId.sqlValue,
            "min": .real(scale.min), "max": .real(scale.max), "higher": .boolean(scale.higherIsEasier),
            "easy": .real(configuration.easyMaximumEffortIndex + Self.slack), "hard": .real(configuration.hardMinimumEffortIndex - Self.slack),
            "topBox": .real(Self.slack), "slack": .real(Self.slack), "listenFloor": configuration.worthAListenPoints.map { $0 - Self.slack }.sqlValue,
            "disagreements": configuration.disagreementsPerAdvisor.sqlValue, "hardRated": configuration.hardRatedPerAdvisor.sqlValue,
            "run": configuration.careRunLength.sqlValue, "gapHours": .real(configuration.careShiftGapHours),
        ]
    }

    /// The rows of `sql`, with the figures' named arguments.
    private func rows(_ sql: String) throws -> [SQLRow] { try session.rows(SQLStatement(sql, arguments)) }
    private func execute(_ sql: String) throws { try session.execute(SQLStatement(sql, arguments)) }

    func report() throws -> FeedbackReport {
        try createTables()
        defer { try? dropTables() }
        let advisorSummaries = try summaries(by: "agentId")
        let teamSummaries = try summaries(by: "team")
        let medians = try teamMedians()
        let spreads = try teamSpreads()
        let advisorComparisons = try comparisons(by: "agentId")
        let teamComparisons = try comparisons(by: "team")
        let advisorTeams = try Dictionary(uniqueKeysWithValues: rows("SELECT agentId, MAX(team) AS team FROM fbCalls GROUP BY agentId").map {
            (row: SQLRow) -> (String, String) in (row["agentId"], row["team"])
        })
        let listed = try listedCalls()
        let streaks = try topBoxStreaks()
        let findings = FeedbackFindings(configuration: configuration)

        var advisors: [AdvisorFeedback] = []
        for (agentId, team) in advisorTeams.sorted(by: { $0.key < $1.key }) where scope.agentId == nil || scope.agentId == agentId {
            let behaviours = Self.behaviours(advisorComparisons[agentId] ?? [:], medians: medians[team] ?? [:], spread: spreads[team] ?? [:], minimum: configuration.minimumCallsPerGroup)
            let groups = advisorComparisons[agentId]?[Self.groupCountsKey]
            advisors.append(AdvisorFeedback(
                agentId: agentId, team: team, summary: advisorSummaries[agentId]!, behaviours: behaviours,
                findings: findings.state(behaviours, easyCalls: groups?.easyCalls ?? 0, hardCalls: groups?.hardCalls ?? 0, own: true),
                disagreements: listed.disagreements[agentId] ?? [], hardRated: listed.hardRated[agentId] ?? [], topBoxStreak: streaks[agentId] ?? 0))
        }

        let distressed = try distressedCalls()
        let care = try careFlags()
        let agreement = try agreementByWeek()
        var teams: [TeamFeedback] = []
        for (team, summary) in teamSummaries.sorted(by: { $0.key < $1.key }) {
            let behaviours = Self.behaviours(teamComparisons[team] ?? [:], medians: medians[team] ?? [:], spread: spreads[team] ?? [:], minimum: configuration.minimumCallsPerGroup)
            let groups = teamComparisons[team]?[Self.groupCountsKey]
            let members = advisorTeams.filter { $0.value == team }.keys.sorted()
            let recognition = members.map { agentId in
                let summary = advisorSummaries[agentId]!
                return Recognition(agentId: agentId, topBox: summary.topBox, surveys: summary.surveys, streak: streaks[agentId] ?? 0)
            }.sorted { ($1.topBox, $1.streak, $0.agentId) < ($0.topBox, $0.streak, $1.agentId) }
            teams.append(TeamFeedback(
                team: team, advisors: members.count, summary: summary, behaviours: behaviours,
                findings: findings.state(behaviours, easyCalls: groups?.easyCalls ?? 0, hardCalls: groups?.hardCalls ?? 0, own: false),
                agreementByWeek: agreement[team] ?? [], distressedCalls: distressed[team] ?? [], care: care[team] ?? [], recognition: recognition))
        }
        return FeedbackReport(
            scale: configuration.scale,
            rules: .init(
                easyMaximumEffortIndex: configuration.easyMaximumEffortIndex, hardMinimumEffortIndex: configuration.hardMinimumEffortIndex,
                minimumCallsPerGroup: configuration.minimumCallsPerGroup, worthAListenPoints: configuration.worthAListenPoints,
                careRunLength: configuration.careRunLength, careShiftGapHours: configuration.careShiftGapHours, since: scope.since),
            models: try models(), advisors: advisors, teams: teams)
    }

    // MARK: - Tables

    /// `fbCalls`: each call id's current result in scope, with an advisor, its scores and one
    /// column per behaviour. `fbModels`: the models that scored them, each with its latest
    /// calibration and `listenIndex`, the error (effort index, 0–1) a disagreement must exceed to be
    /// worth a listen (NULL unless that calibration shows agreement: ρ's 95 % interval above 0).
    /// `fbSurveys`: the calls' latest responses, graded easy/middle/hard, and whether they are worth
    /// a listen.
    private func createTables() throws {
        let behaviourColumns = Behaviour.measured.map {
            "(SELECT m.value FROM metrics m WHERE m.callRowId = c.id AND m.scope = '\($0.scope!)' AND m.name = '\($0.metric!)') AS \($0.column)"
        }.joined(separator: ",\n       ")
        try dropTables()
        try execute("""
            CREATE TEMP TABLE fbCalls AS
            SELECT c.id AS callRowId, c.callId, c.agentId, COALESCE(c.team, '') AS team, c.startedAt,
                   COALESCE(c.startedAt, c.analyzedAt) AS callTime, sc.effortIndex AS predictedIndex,
                   sc.modelSha256, sc.modelId, sc.modelVersion, sc.distressLevel, sc.distressValue,
                   \(behaviourColumns)
            FROM calls c LEFT JOIN scores sc ON sc.callRowId = c.id
            WHERE c.agentId IS NOT NULL
              AND c.id = (SELECT MAX(c2.id) FROM calls c2 WHERE c2.callId = c.callId)
              AND (:since IS NULL OR COALESCE(c.startedAt, c.analyzedAt) >= :since)
              AND (:team IS NULL OR COALESCE(c.team, '') = :team)
              AND (:agent IS NULL OR COALESCE(c.team, '') IN (SELECT COALESCE(team, '') FROM calls WHERE agentId = :agent))
            """)
        try execute("""
            CREATE TEMP TABLE fbModels AS
            SELECT m.*, cal.kind, cal.surveys AS calibrationSurveys, cal.createdAt, cal.spearman, cal.spearmanLow, cal.spearmanHigh,
                   cal.meanAbsoluteErrorPoints * (:max - :min) / (cal.scaleMax - cal.scaleMin) AS meanAbsoluteErrorPoints,
                   cal.biasPoints * (:max - :min) / (cal.scaleMax - cal.scaleMin) AS biasPoints,
                   cal.errorQuantile, cal.errorQuantileIndex,
                   CASE WHEN cal.spearmanLow > 0 THEN cal.errorQuantileIndex END AS listenIndex
            FROM (SELECT modelSha256, MAX(modelId) AS modelId, MAX(modelVersion) AS modelVersion, COUNT(*) AS calls
                  FROM fbCalls WHERE modelSha256 IS NOT NULL GROUP BY modelSha256) m
            LEFT JOIN calibrations cal ON cal.id = (SELECT MAX(c2.id) FROM calibrations c2 WHERE c2.modelSha256 = m.modelSha256)
            """)
        try execute("""
            CREATE TEMP TABLE fbSurveys AS
            SELECT f.*, p.surveyId, p.respondedAt, p.surveyedEffortIndex AS surveyedIndex,
                   CASE WHEN :higher THEN :max - p.surveyedEffortIndex * (:max - :min)
                        ELSE :min + p.surveyedEffortIndex * (:max - :min) END AS ces,
                   CASE WHEN f.predictedIndex IS NULL THEN NULL
                        WHEN :higher THEN :max - f.predictedIndex * (:max - :min)
                        ELSE :min + f.predictedIndex * (:max - :min) END AS predictedCes,
                   (p.surveyedEffortIndex - f.predictedIndex) * (:max - :min) AS differencePoints,
                   CASE WHEN p.surveyedEffortIndex <= :easy THEN 'easy' WHEN p.surveyedEffortIndex >= :hard THEN 'hard' ELSE 'middle' END AS grade,
                   CASE WHEN p.surveyedEffortIndex <= :topBox THEN 1 ELSE 0 END AS isTopBox,
                   CASE WHEN ABS(p.surveyedEffortIndex - f.predictedIndex) > m.listenIndex + :slack
                             AND (:listenFloor IS NULL OR ABS(p.surveyedEffortIndex - f.predictedIndex) * (:max - :min) >= :listenFloor)
                        THEN 1 ELSE 0 END AS worthAListen
            FROM surveyPairs p JOIN fbCalls f ON f.callRowId = p.callRowId
            LEFT JOIN fbModels m ON m.modelSha256 = f.modelSha256
            WHERE p.responseRank = 1
            """)
    }

    // MARK: - Summaries

    /// Calls, surveys, mean CES, agreement, top box, distress, trend and distribution per group.
    private func summaries(by group: String) throws -> [String: SurveySummary] {
        var result: [String: SurveySummary] = [:]
        for row in try rows("SELECT \(group) AS g, COUNT(*) AS calls, SUM(CASE WHEN distressLevel = 'high' THEN 1 ELSE 0 END) AS high FROM fbCalls GROUP BY g") {
            result[row["g"]] = SurveySummary(
                calls: row["calls"], surveys: 0, meanCES: nil, meanPredictedCES: nil, meanAbsoluteDifferencePoints: nil,
                worthAListen: 0, topBox: 0, highDistressCalls: row["high"], trend: [], distribution: [], modelSha256s: [])
        }
        for row in try rows("""
            SELECT \(group) AS g, COUNT(*) AS n, AVG(ces) AS mean, AVG(predictedCes) AS predicted, AVG(ABS(differencePoints)) AS difference,
                   SUM(worthAListen) AS listen, SUM(isTopBox) AS topBox
            FROM fbSurveys GROUP BY g
            """) {
            let key: String = row["g"]
            result[key]?.surveys = row["n"]
            result[key]?.meanCES = row["mean"]
            result[key]?.meanPredictedCES = row["predicted"]
            result[key]?.meanAbsoluteDifferencePoints = row["difference"]
            result[key]?.worthAListen = row["listen"]
            result[key]?.topBox = row["topBox"]
        }
        for row in try rows("""
            SELECT \(group) AS g, \(responseWeek) AS week, COUNT(*) AS n, AVG(ces) AS mean
            FROM fbSurveys GROUP BY g, week ORDER BY g, week
            """) {
            result[row["g"] as String]?.trend.append(WeekPoint(weekStarting: row["week"], surveys: row["n"], meanCES: row["mean"]))
        }
        for row in try rows("""
            SELECT \(group) AS g, CAST(ROUND(ces) AS INTEGER) AS answer, COUNT(*) AS n FROM fbSurveys GROUP BY g, answer ORDER BY g, answer
            """) {
            result[row["g"] as String]?.distribution.append(AnswerCount(answer: row["answer"], count: row["n"]))
        }
        for row in try rows("""
            SELECT \(group) AS g, modelSha256, COUNT(*) AS n FROM fbSurveys WHERE modelSha256 IS NOT NULL
            GROUP BY g, modelSha256 ORDER BY g, n DESC, modelSha256
            """) {
            result[row["g"] as String]?.modelSha256s.append(row["modelSha256"])
        }
        return result
    }

    // MARK: - Behaviours

    /// Per group and behaviour key: counts and means on easy and hard calls, and the mean over all
    /// the group's calls. `groupCountsKey` holds the number of easy and hard calls themselves.
    private func comparisons(by group: String) throws -> [String: [String: BehaviourComparison]] {
        var result: [String: [String: BehaviourComparison]] = [:]
        let measured = Behaviour.measured
        let graded = measured.map { "COUNT(\($0.column)) AS n_\($0.key), AVG(\($0.column)) AS mean_\($0.key)" }.joined(separator: ", ")
        for row in try rows("""
            SELECT \(group) AS g, grade, COUNT(*) AS calls, \(graded) FROM fbSurveys WHERE grade IN ('easy', 'hard') GROUP BY g, grade
            """) {
            let key: String = row["g"], easy = (row["grade"] as String) == "easy"
            for behaviour in measured + [Self.groupCounts] {
                let count: Int = behaviour == Self.groupCounts ? row["calls"] : row["n_\(behaviour.key)"]
                let mean: Double? = behaviour == Self.groupCounts ? nil : row["mean_\(behaviour.key)"]
                var comparison = result[key]?[behaviour.key] ?? Self.empty(behaviour)
                if easy { comparison.easyCalls = count; comparison.easyMean = mean } else { comparison.hardCalls = count; comparison.hardMean = mean }
                result[key, default: [:]][behaviour.key] = comparison
            }
        }
        let overall = measured.map { "AVG(\($0.column)) AS mean_\($0.key)" }.joined(separator: ", ")
        for row in try rows("SELECT \(group) AS g, \(overall) FROM fbCalls GROUP BY g") {
            let key: String = row["g"]
            for behaviour in measured {
                var comparison = result[key]?[behaviour.key] ?? Self.empty(behaviour)
                comparison.overallMean = row["mean_\(behaviour.key)"]
                result[key, default: [:]][behaviour.key] = comparison
            }
        }
        return result
    }

    /// Per team and behaviour key: the median over all the team's calls (window functions).
    private func teamMedians() throws -> [String: [String: Double]] {
        var result: [String: [String: Double]] = [:]
        for behaviour in Behaviour.measured {
            let column = behaviour.column
            for row in try rows("""
                SELECT team, AVG(\(column)) AS median FROM (
                    SELECT team, \(column), ROW_NUMBER() OVER (PARTITION BY team ORDER BY \(column)) AS position,
                           COUNT(*) OVER (PARTITION BY team) AS n
                    FROM fbCalls WHERE \(column) IS NOT NULL) ranked
                WHERE position IN ((n + 1) / 2, (n + 2) / 2) GROUP BY team
                """) {
                result[row["team"] as String, default: [:]][behaviour.key] = row["median"]
            }
        }
        return result
    }

    /// Per team and behaviour key: the standard deviation over the team's surveyed calls, the unit
    /// that makes differences of behaviours in different units comparable.
    private func teamSpreads() throws -> [String: [String: Double]] {
        let moments = Behaviour.measured.map { "AVG(\($0.column)) AS m_\($0.key), AVG(\($0.column) * \($0.column)) AS s_\($0.key)" }.joined(separator: ", ")
        var result: [String: [String: Double]] = [:]
        for row in try rows("SELECT team, \(moments) FROM fbSurveys GROUP BY team") {
            for behaviour in Behaviour.measured {
                guard let mean: Double = row["m_\(behaviour.key)"], let square: Double = row["s_\(behaviour.key)"] else { continue }
                result[row["team"] as String, default: [:]][behaviour.key] = max(square - mean * mean, 0).squareRoot()
            }
        }
        return result
    }

    /// A pseudo-behaviour whose counts are the easy and hard calls of a group.
    private static let groupCounts = Behaviour(key: "_calls", label: "", ownLabel: "", scope: nil, metric: nil, unit: "", displayFactor: 1, places: 0)
    static var groupCountsKey: String { groupCounts.key }

    private static func empty(_ behaviour: Behaviour) -> BehaviourComparison {
        BehaviourComparison(
            behaviour: behaviour.key, measured: behaviour.metric != nil, easyMean: nil, easyCalls: 0, hardMean: nil, hardCalls: 0,
            overallMean: nil, teamMedian: nil, standardisedDifference: nil)
    }

    /// Every behaviour (unmeasured ones included) in report order, with the team median and the
    /// standardised difference where both groups have enough calls.
    static func behaviours(_ comparisons: [String: BehaviourComparison], medians: [String: Double], spread: [String: Double], minimum: Int) -> [BehaviourComparison] {
        Behaviour.all.map { behaviour in
            var comparison = comparisons[behaviour.key] ?? empty(behaviour)
            comparison.teamMedian = medians[behaviour.key]
            if comparison.easyCalls >= minimum, comparison.hardCalls >= minimum, let easy = comparison.easyMean, let hard = comparison.hardMean,
               let deviation = spread[behaviour.key], deviation > 0 {
                comparison.standardisedDifference = (hard - easy) / deviation
            }
            return comparison
        }
    }

    // MARK: - Calls to listen to

    /// Per advisor: the calls worth a listen where model and customer disagreed most, largest first
    /// (at most `disagreementsPerAdvisor`), and the most recent hard-rated calls, newest response
    /// first (at most `hardRatedPerAdvisor`); each with its comment and its dead air, interruptions
    /// and spikes.
    private func listedCalls() throws -> (disagreements: [String: [Disagreement]], hardRated: [String: [RatedCall]]) {
        // The comment is read only for the listed calls (a join over every survey costs ~0.6 s at 100,000).
        let columns = "callRowId, callId, agentId, startedAt, respondedAt, ces, predictedCes, differencePoints, surveyId"
        try execute("""
            CREATE TEMP TABLE fbListed AS
            SELECT 'disagreement' AS list, * FROM (
                SELECT \(columns), ROW_NUMBER() OVER (PARTITION BY agentId ORDER BY ABS(differencePoints) DESC, callRowId) AS position
                FROM fbSurveys WHERE worthAListen = 1) listened
            WHERE position <= :disagreements
            UNION ALL
            SELECT 'hardRated' AS list, * FROM (
                SELECT \(columns), ROW_NUMBER() OVER (PARTITION BY agentId ORDER BY respondedAt DESC, surveyId DESC) AS position
                FROM fbSurveys WHERE grade = 'hard') rated
            WHERE position <= :hardRated
            """)
        var moments: [Int64: [Moment]] = [:]
        for row in try rows("""
            SELECT e.callRowId, e.type, COALESCE(e.party, e.initiator) AS party, e.startSeconds, e.endSeconds
            FROM events e WHERE e.callRowId IN (SELECT callRowId FROM fbListed)
              AND e.type IN ('deadAir', 'interruption', 'energySpike') ORDER BY e.callRowId, e.startSeconds
            """) {
            moments[row["callRowId"], default: []].append(Moment(type: row["type"], party: row["party"], startSeconds: row["startSeconds"], endSeconds: row["endSeconds"]))
        }
        var disagreements: [String: [Disagreement]] = [:], hardRated: [String: [RatedCall]] = [:]
        for row in try rows("""
            SELECT l.*, s.comment FROM fbListed l JOIN surveys s ON s.id = l.surveyId ORDER BY l.list, l.agentId, l.position
            """) {
            let agentId: String = row["agentId"], callMoments = moments[row["callRowId"]] ?? []
            if (row["list"] as String) == "disagreement" {
                disagreements[agentId, default: []].append(Disagreement(
                    callId: row["callId"], startedAt: row["startedAt"], surveyedCES: row["ces"], predictedCES: row["predictedCes"],
                    differencePoints: row["differencePoints"], comment: row["comment"], moments: callMoments))
            } else {
                hardRated[agentId, default: []].append(RatedCall(
                    callId: row["callId"], startedAt: row["startedAt"], respondedAt: row["respondedAt"], surveyedCES: row["ces"],
                    predictedCES: row["predictedCes"], comment: row["comment"], moments: callMoments))
            }
        }
        return (disagreements, hardRated)
    }

    // MARK: - Models and drift

    /// The models that scored calls in scope, most calls first, with their latest calibration.
    private func models() throws -> [ModelAgreement] {
        try rows("""
            SELECT m.*, (SELECT COUNT(*) FROM fbSurveys s WHERE s.modelSha256 = m.modelSha256) AS surveys
            FROM fbModels m ORDER BY m.calls DESC, m.modelSha256
            """).map { row in
            let calibration = (row["kind"] as String?).map { kind in
                let quantileIndex: Double = row["errorQuantileIndex"]
                return ModelAgreement.Calibration(
                    kind: kind, surveys: row["calibrationSurveys"], spearman: row["spearman"], spearmanLow: row["spearmanLow"], spearmanHigh: row["spearmanHigh"],
                    meanAbsoluteErrorPoints: row["meanAbsoluteErrorPoints"], biasPoints: row["biasPoints"], errorQuantile: row["errorQuantile"],
                    errorQuantileIndex: quantileIndex, errorQuantilePoints: quantileIndex * configuration.scale.span, createdAt: row["createdAt"])
            }
            return ModelAgreement(
                modelSha256: row["modelSha256"], modelId: row["modelId"], modelVersion: row["modelVersion"], calls: row["calls"], surveys: row["surveys"],
                calibration: calibration, marksCalls: (row["listenIndex"] as Double?) != nil)
        }
    }

    /// Per team: agreement between predicted and surveyed effort per response week, oldest first,
    /// from one fetch of the scored surveyed calls.
    private func agreementByWeek() throws -> [String: [WeekAgreement]] {
        var pairs: [String: [(week: String, predicted: Double, surveyed: Double)]] = [:]
        for row in try rows("""
            SELECT team, \(responseWeek) AS week, predictedIndex, surveyedIndex FROM fbSurveys
            WHERE predictedIndex IS NOT NULL ORDER BY team, week, surveyId
            """) {
            pairs[row["team"] as String, default: []].append((row["week"], row["predictedIndex"], row["surveyedIndex"]))
        }
        return pairs.mapValues { Self.weeklyAgreement($0, span: configuration.scale.span) }
    }

    /// Agreement per week of (week, predicted, surveyed) effort indices (0–1) already ordered by
    /// week; points are index differences × `span`.
    static func weeklyAgreement(_ pairs: [(week: String, predicted: Double, surveyed: Double)], span: Double) -> [WeekAgreement] {
        var result: [WeekAgreement] = []
        var start = pairs.startIndex
        while start < pairs.endIndex {
            let week = pairs[start].week
            let end = pairs[start...].firstIndex { $0.week != week } ?? pairs.endIndex
            let predicted = pairs[start..<end].map(\.predicted), surveyed = pairs[start..<end].map(\.surveyed)
            let bias = zip(surveyed, predicted).reduce(0) { $0 + $1.0 - $1.1 } / Double(predicted.count)
            result.append(WeekAgreement(
                weekStarting: week, surveys: predicted.count, spearman: CalibrationStatistics.spearman(predicted, surveyed),
                meanAbsoluteErrorPoints: CalibrationStatistics.meanAbsoluteError(predicted, surveyed) * span, biasPoints: bias * span))
            start = end
        }
        return result
    }

    // MARK: - Recognition, distress and care

    /// Per advisor: top-box answers in a row, counting back from the latest response.
    private func topBoxStreaks() throws -> [String: Int] {
        let rows = try rows("""
            SELECT agentId, SUM(CASE WHEN misses = 0 THEN 1 ELSE 0 END) AS streak FROM (
                SELECT agentId, SUM(1 - isTopBox) OVER (PARTITION BY agentId ORDER BY respondedAt DESC, surveyId DESC ROWS UNBOUNDED PRECEDING) AS misses
                FROM fbSurveys) counted
            GROUP BY agentId
            """)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["agentId"] as String, $0["streak"] as Int) })
    }

    /// Per team: calls whose customer's distress was high, newest first.
    private func distressedCalls() throws -> [String: [DistressedCall]] {
        var result: [String: [DistressedCall]] = [:]
        for row in try rows("""
            SELECT team, callId, agentId, startedAt, distressValue FROM fbCalls WHERE distressLevel = 'high' ORDER BY team, callTime DESC, callRowId
            """) {
            result[row["team"] as String, default: []].append(DistressedCall(callId: row["callId"], agentId: row["agentId"], startedAt: row["startedAt"], distress: row["distressValue"]))
        }
        return result
    }

    /// Per team: runs of at least `careRunLength` high-distress calls in a row by one advisor within
    /// a shift (calls more than `careShiftGap` apart start a new shift). Gaps and islands: a shift
    /// number, then a run number that steps at every call that is not high-distress.
    private func careFlags() throws -> [String: [CareFlag]] {
        var result: [String: [CareFlag]] = [:]
        for row in try rows("""
            WITH ordered AS (
                SELECT agentId, team, callRowId, startedAt, CASE WHEN distressLevel = 'high' THEN 1 ELSE 0 END AS isHigh, \(session.dialect.days("startedAt")) AS t,
                       LAG(\(session.dialect.days("startedAt"))) OVER (PARTITION BY agentId ORDER BY startedAt, callRowId) AS previousT
                FROM fbCalls WHERE startedAt IS NOT NULL),
            shifts AS (
                SELECT *, SUM(CASE WHEN previousT IS NULL OR (t - previousT) * 24 > :gapHours THEN 1 ELSE 0 END)
                          OVER (PARTITION BY agentId ORDER BY startedAt, callRowId ROWS UNBOUNDED PRECEDING) AS shift
                FROM ordered),
            runs AS (
                SELECT *, SUM(1 - isHigh) OVER (PARTITION BY agentId, shift ORDER BY startedAt, callRowId ROWS UNBOUNDED PRECEDING) AS run
                FROM shifts)
            SELECT agentId, MAX(team) AS team, COUNT(*) AS n, MIN(startedAt) AS first, MAX(startedAt) AS last
            FROM runs WHERE isHigh = 1 GROUP BY agentId, shift, run HAVING COUNT(*) >= :run ORDER BY team, first, agentId
            """) {
            result[row["team"] as String, default: []].append(CareFlag(agentId: row["agentId"], callsInARow: row["n"], firstCallAt: row["first"], lastCallAt: row["last"]))
        }
        return result
    }
}
