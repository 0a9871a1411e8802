/// Schema text both backends share.
enum StoreSchema {
    /// The pairing view (SQLite v3, recreated by v5, which rebuilds the table it reads;
    /// PostgreSQL v1). Pairing is a join by call id, so a survey imported before its call pairs as
    /// soon as the call is stored. Each call's current result is its newest row; its latest
    /// response is `responseRank` 1. Effort points are on the survey's program scale; positive
    /// `differencePoints` = the customer found the call harder than the model predicted.
    static let surveyPairsView = """
        CREATE VIEW surveyPairs AS
        SELECT s.id AS surveyId, s.callId, c.id AS callRowId, c.agentId, c.team, c.startedAt, s.respondedAt,
               s.score AS surveyedScore, s.scaleMin, s.scaleMax, s.higherIsEasier,
               s.effortIndex AS surveyedEffortIndex, sc.effortIndex AS predictedEffortIndex,
               CASE WHEN sc.effortIndex IS NULL THEN NULL
                    WHEN s.higherIsEasier THEN s.scaleMax - sc.effortIndex * (s.scaleMax - s.scaleMin)
                    ELSE s.scaleMin + sc.effortIndex * (s.scaleMax - s.scaleMin) END AS predictedScore,
               (s.effortIndex - sc.effortIndex) * (s.scaleMax - s.scaleMin) AS differencePoints,
               ROW_NUMBER() OVER (PARTITION BY s.callId ORDER BY s.respondedAt DESC, s.id DESC) AS responseRank,
               COUNT(*) OVER (PARTITION BY s.callId) AS responseCount
        FROM surveys s
        JOIN calls c ON c.id = (SELECT MAX(id) FROM calls WHERE callId = s.callId)
        LEFT JOIN scores sc ON sc.callRowId = c.id
        """

    /// Work claimed by batch workers sharing the store (SQLite v7, PostgreSQL v2): one row per
    /// call (or manifest line) being analysed, or that failed (`failedAt`), with the identity of
    /// the work and its worker (`host:pid`). See `ResultsStore.claim`.
    static func claimsTable(text: String, integer: String) -> String {
        """
        CREATE TABLE claims (
            workKey \(text) PRIMARY KEY, worker \(text) NOT NULL, runId \(integer), claimedAt \(text) NOT NULL,
            identity \(text) NOT NULL, failedAt \(text))
        """
    }

    /// Live servers and their calls under way (SQLite v8, PostgreSQL v3). See
    /// `ResultsStore.liveServerHeartbeat`.
    static func liveTables(text: String) -> [String] {
        [
            "CREATE TABLE liveServers (serverId \(text) PRIMARY KEY, startedAt \(text) NOT NULL, heartbeatAt \(text) NOT NULL)",
            """
            CREATE TABLE liveCalls (
                callId \(text) PRIMARY KEY, serverId \(text) NOT NULL, agentId \(text), team \(text), queue \(text), source \(text) NOT NULL,
                startedAt \(text) NOT NULL, status \(text) NOT NULL, endedAt \(text))
            """,
            "CREATE INDEX liveCalls_serverId ON liveCalls (serverId, status)",
        ]
    }

    /// The call explorer (SQLite v9, PostgreSQL v5): every playback of a call's recording (who,
    /// as a role and whom it stands for; never a token), and an index for listing calls by when
    /// they took place.
    static func explorerTables(text: String, identity: String) -> [String] {
        [
            """
            CREATE TABLE playbacks (
                id \(identity), callId \(text) NOT NULL, viewer \(text) NOT NULL, playedAt \(text) NOT NULL,
                fromSeconds DOUBLE PRECISION NOT NULL)
            """,
            "CREATE INDEX playbacks_callId ON playbacks (callId)",
            "CREATE INDEX calls_callTime ON calls (COALESCE(startedAt, analyzedAt))",
            "CREATE INDEX surveys_callId ON surveys (callId, respondedAt)",
        ]
    }

    /// The wall's call-back list (SQLite v10, PostgreSQL v6): live calls that ended with high
    /// customer distress, until a supervisor marks them handled. See `ResultsStore.recordCallBack`.
    static func callBacksTable(text: String) -> [String] {
        [
            """
            CREATE TABLE callBacks (
                callId \(text) PRIMARY KEY, agentId \(text), team \(text), endedAt \(text) NOT NULL, distressValue DOUBLE PRECISION,
                peakAtSeconds DOUBLE PRECISION, handledAt \(text), handledBy \(text))
            """,
            "CREATE INDEX callBacks_endedAt ON callBacks (endedAt)",
        ]
    }

    /// Live calls' kept audio (SQLite v11, PostgreSQL v7): the file, and until when it is kept.
    /// See `ResultsStore.recordLiveAudio`.
    static func liveAudioTable(text: String) -> [String] {
        [
            "CREATE TABLE liveAudio (callId \(text) PRIMARY KEY, path \(text) NOT NULL, keptUntil \(text) NOT NULL)",
            "CREATE INDEX liveAudio_keptUntil ON liveAudio (keptUntil)",
        ]
    }

    /// `surveys_callId` (SQLite v9, PostgreSQL v5) repeated what the unique key on
    /// `(callId, respondedAt, score)` already gives (lookups by call, latest answer first) and
    /// cost every survey import a second index (SQLite v12, PostgreSQL v8).
    static let dropRedundantSurveysIndex = "DROP INDEX IF EXISTS surveys_callId"
}
