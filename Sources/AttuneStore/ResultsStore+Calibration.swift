public import AttuneScoring

/// A stored call as calibration reads it: who took it, what the engine measured and what the
/// model that scored it predicted.
public struct StoredCallMetrics: Sendable {
    public var callId: String
    public var agentId: String?
    public var team: String?
    /// When the call took place (ISO 8601 UTC), if known.
    public var startedAt: String?
    /// The model that scored it (nil: unscored).
    public var modelSha256: String?
    /// The stored predicted effort index (0 = effortless … 1 = the most effort).
    public var predictedEffortIndex: Double?
    /// Metric name → value, as `CallScoring.metrics(of:)` names them (`call.deadAirSeconds`,
    /// `advisor.interruptionsMade`, `call.durationSeconds`), plus `scores.distress` when known.
    public var metrics: [String: Double]
    /// The customer's cue metrics at the distress peak (`customer.cues.*`), from the stored
    /// distress contributions (2 decimals); empty when distress was not known.
    public var distressMetrics: [String: Double]
}

/// A stored call with its latest survey response (the pair `attune feedback` uses).
public struct SurveyedCall: Sendable {
    public var call: StoredCallMetrics
    public var surveyId: Int64
    /// ISO 8601 UTC.
    public var respondedAt: String
    /// The Monday of the response's week, `YYYY-MM-DD`.
    public var week: String
    /// The answer on `scale` (the program's scale it was imported on).
    public var answer: Double
    public var scale: SurveyScale
    public var comment: String?
}

/// Which surveyed calls a calibration reads.
public struct CalibrationSelection: Sendable, Equatable {
    /// Responses at or after this ISO 8601 UTC time.
    public var since: String?
    /// Responses before this ISO 8601 UTC time.
    public var until: String?
    /// Only this team's calls.
    public var team: String?

    public init(since: String? = nil, until: String? = nil, team: String? = nil) {
        self.since = since
        self.until = until
        self.team = team
    }
}

/// One measurement of a model against this store's surveys, as stored.
public struct StoredCalibration: Sendable, Equatable, Codable {
    public var id: Int64?
    /// ISO 8601 UTC; set by `recordCalibration`.
    public var createdAt: String
    public var modelId: String
    public var modelVersion: String
    public var modelSha256: String
    /// The model a fitted model started from.
    public var parentSha256: String?
    /// `measured`: the model's own predictions on surveys it was not fitted on; `heldOut`: a
    /// fitted model's k-fold held-out predictions.
    public var kind: String
    /// The selection measured on: a team, and responses from `since` up to `until` (ISO 8601 UTC).
    public var team: String?
    public var since: String?
    public var until: String?
    /// ρ, MAE, bias, within one and the error quantile (a disagreement beyond
    /// `figures.errorQuantileIndex` is worth a listen), on `scale`.
    public var figures: AgreementFigures
    public var scale: SurveyScale

    public init(
        createdAt: String = "", modelId: String, modelVersion: String, modelSha256: String, parentSha256: String?, kind: String, team: String?,
        since: String?, until: String?, figures: AgreementFigures, scale: SurveyScale
    ) {
        self.createdAt = createdAt
        self.modelId = modelId
        self.modelVersion = modelVersion
        self.modelSha256 = modelSha256
        self.parentSha256 = parentSha256
        self.kind = kind
        self.team = team
        self.since = since
        self.until = until
        self.figures = figures
        self.scale = scale
    }
}

extension StoredCalibration {
    /// The table's columns, in the order `values` gives them.
    static let columns = [
        "createdAt", "modelId", "modelVersion", "modelSha256", "parentSha256", "kind", "team", "since", "until", "surveys", "spearman",
        "spearmanLow", "spearmanHigh", "meanAbsoluteErrorPoints", "biasPoints", "withinOne", "errorQuantile", "errorQuantileIndex",
        "scaleMin", "scaleMax", "higherIsEasier",
    ]

    var values: [SQLValue] {
        [createdAt.sqlValue, modelId.sqlValue, modelVersion.sqlValue, modelSha256.sqlValue, parentSha256.sqlValue, kind.sqlValue, team.sqlValue,
         since.sqlValue, until.sqlValue, figures.surveys.sqlValue, figures.spearman.sqlValue, figures.spearmanLow.sqlValue,
         figures.spearmanHigh.sqlValue, figures.meanAbsoluteErrorPoints.sqlValue, figures.biasPoints.sqlValue, figures.withinOne.sqlValue,
         figures.errorQuantile.sqlValue, figures.errorQuantileIndex.sqlValue, scale.min.sqlValue, scale.max.sqlValue, scale.higherIsEasier.sqlValue]
    }

    init(row: SQLRow) {
        self.init(
            createdAt: row["createdAt"], modelId: row["modelId"], modelVersion: row["modelVersion"], modelSha256: row["modelSha256"],
            parentSha256: row["parentSha256"], kind: row["kind"], team: row["team"], since: row["since"], until: row["until"],
            figures: AgreementFigures(
                surveys: row["surveys"], spearman: row["spearman"], spearmanLow: row["spearmanLow"], spearmanHigh: row["spearmanHigh"],
                meanAbsoluteErrorPoints: row["meanAbsoluteErrorPoints"], biasPoints: row["biasPoints"], withinOne: row["withinOne"],
                errorQuantile: row["errorQuantile"], errorQuantileIndex: row["errorQuantileIndex"]),
            scale: SurveyScale(min: row["scaleMin"], max: row["scaleMax"], higherIsEasier: row["higherIsEasier"]))
        id = row["id"]
    }
}

extension ResultsStore {
    /// Every call in `selection` with a paired survey: each call's current result with its latest
    /// response, oldest response first.
    /// - Parameter metricNames: the metrics to read (`call.deadAirSeconds`, …); nil reads all.
    public func surveyedCalls(_ selection: CalibrationSelection, metricNames: Set<String>? = nil) async throws(StorageError) -> [SurveyedCall] {
        try await read("reading surveyed calls") { session in
            let pairs = SQLStatement("""
                SELECT p.surveyId, p.callId, p.callRowId, p.agentId, p.team, p.startedAt, p.respondedAt,
                       \(session.dialect.weekStarting("p.respondedAt")) AS week, p.surveyedScore, p.scaleMin, p.scaleMax, p.higherIsEasier,
                       s.comment
                FROM surveyPairs p JOIN surveys s ON s.id = p.surveyId
                WHERE p.responseRank = 1
                  AND (:since IS NULL OR p.respondedAt >= :since) AND (:until IS NULL OR p.respondedAt < :until)
                  AND (:team IS NULL OR COALESCE(p.team, '') = :team)
                """, ["since": selection.since.sqlValue, "until": selection.until.sqlValue, "team": selection.team.sqlValue])
            let rowIds = SQLStatement("SELECT callRowId FROM (\(pairs.text)) pairs", pairs.named)
            var calls = try Self.callMetrics(session, rowIds: rowIds, metricNames: metricNames)
            var result: [SurveyedCall] = []
            for row in try session.rows(SQLStatement(pairs.text + " ORDER BY p.respondedAt, p.surveyId", pairs.named)) {
                guard let call = calls.removeValue(forKey: row["callRowId"]) else { continue }
                result.append(SurveyedCall(
                    call: call, surveyId: row["surveyId"], respondedAt: row["respondedAt"], week: row["week"] ?? "",
                    answer: row["surveyedScore"], scale: SurveyScale(min: row["scaleMin"], max: row["scaleMax"], higherIsEasier: row["higherIsEasier"]),
                    comment: row["comment"]))
            }
            return result
        }
    }

    /// The current results of these call ids (a quality team's labelled calls); ids not stored
    /// are absent from the answer.
    public func storedCalls(callIds: [String], metricNames: Set<String>? = nil) async throws(StorageError) -> [String: StoredCallMetrics] {
        try await write("reading labelled calls") { session in
            let table = "labelledIds"
            try session.execute("DROP TABLE IF EXISTS \(session.dialect.temporary(table))")
            try session.execute("CREATE TEMP TABLE \(table) (callId TEXT PRIMARY KEY)")
            defer { try? session.execute("DROP TABLE IF EXISTS \(session.dialect.temporary(table))") }
            for chunk in Set(callIds).sorted().chunked(1000) {
                try session.execute(
                    "INSERT INTO \(table) (callId) VALUES " + chunk.map { _ in "(?)" }.joined(separator: ", ") + " ON CONFLICT DO NOTHING",
                    chunk.map { .text($0) })
            }
            let rowIds = SQLStatement("SELECT c.id FROM calls c JOIN \(table) l ON l.callId = c.callId")
            let calls = try Self.callMetrics(session, rowIds: rowIds, metricNames: metricNames)
            return Dictionary(calls.values.map { ($0.callId, $0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// The calls whose row ids `rowIds` (a query) selects, with their metrics, keyed by row id.
    private static func callMetrics(_ session: any StoreSession, rowIds: SQLStatement, metricNames: Set<String>?) throws -> [Int64: StoredCallMetrics] {
        var calls: [Int64: StoredCallMetrics] = [:]
        for row in try session.rows(SQLStatement("""
            SELECT c.id, c.callId, c.agentId, c.team, c.startedAt, c.durationSeconds, sc.modelSha256, sc.effortIndex, sc.distressValue
            FROM calls c LEFT JOIN scores sc ON sc.callRowId = c.id WHERE c.id IN (\(rowIds.text))
            """, rowIds.named)) {
            var metrics: [String: Double] = ["call.durationSeconds": row["durationSeconds"]]
            if let distress: Double = row["distressValue"] { metrics["scores.distress"] = distress }
            calls[row["id"]] = StoredCallMetrics(
                callId: row["callId"], agentId: row["agentId"], team: row["team"], startedAt: row["startedAt"], modelSha256: row["modelSha256"],
                predictedEffortIndex: row["effortIndex"], metrics: metrics, distressMetrics: [:])
        }
        // The metric filter is applied here rather than in SQL: a name list of any length, one scan.
        for row in try session.rows(SQLStatement("""
            SELECT callRowId, scope || '.' || name AS metric, value FROM metrics WHERE value IS NOT NULL AND callRowId IN (\(rowIds.text))
            """, rowIds.named)) {
            let metric: String = row["metric"]
            guard metricNames?.contains(metric) ?? true else { continue }
            calls[row["callRowId"]]?.metrics[metric] = row["value"]
        }
        for row in try session.rows(SQLStatement("""
            SELECT callRowId, metric, value FROM contributions WHERE score = 'distress' AND value IS NOT NULL AND callRowId IN (\(rowIds.text))
            """, rowIds.named)) {
            calls[row["callRowId"]]?.distressMetrics[row["metric"]] = row["value"]
        }
        return calls
    }

    /// Stores a calibration, dated now; returns it with its row id and date.
    public func recordCalibration(_ calibration: StoredCalibration) async throws(StorageError) -> StoredCalibration {
        try await write("recording a calibration") { session in
            var row = calibration
            row.createdAt = timestampNow()
            let columns = StoredCalibration.columns
            row.id = try session.value(
                "INSERT INTO calibrations (\(columns.joined(separator: ", "))) VALUES (\(placeholders(columns.count))) RETURNING id",
                row.values)
            return row
        }
    }

    /// Every stored calibration, oldest first.
    public func calibrations() async throws(StorageError) -> [StoredCalibration] {
        try await read("reading calibrations") { session in
            try session.rows("SELECT * FROM calibrations ORDER BY id").map(StoredCalibration.init(row:))
        }
    }
}
