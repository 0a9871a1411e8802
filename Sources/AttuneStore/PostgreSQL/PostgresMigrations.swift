/// The PostgreSQL schema, one migration per version, recorded in `attune_schema`. Never edit a
/// shipped migration: add one. Version 1 is the SQLite schema as of its v6 (version 2: v7's claims; 3: v8's live tables; 4 drops the foreign keys of a call's rows, which SQLite keeps; 5: v9's playback log; 6: v10's call-back list; 7: v11's kept live audio; 8: v12's dropped index) (the same tables,
/// columns and view), with PostgreSQL's types: text in the "C" collation (so ordering and
/// comparison match SQLite's byte order, and feedback and export give identical output from
/// either store), `BIGINT` for integers, `DOUBLE PRECISION` for reals, real booleans.
enum PostgresMigrations {
    static let text = "TEXT COLLATE \"C\""

    static let migrations: [(version: Int, name: String, statements: [String])] = [
        (1, "runs, calls, segments, events, metrics, failures, scores, contributions, surveys, calibrations", [
            """
            CREATE TABLE runs (
                id BIGSERIAL PRIMARY KEY, startedAt \(text) NOT NULL, finishedAt \(text), heartbeatAt \(text), worker \(text),
                status \(text) NOT NULL, source \(text) NOT NULL, shard \(text), jobs BIGINT NOT NULL, engineVersion \(text) NOT NULL,
                configurationFingerprint \(text) NOT NULL, modelSha256 \(text), filesTotal BIGINT NOT NULL, filesAnalyzed BIGINT NOT NULL,
                filesSkipped BIGINT NOT NULL, filesFailed BIGINT NOT NULL, audioSeconds DOUBLE PRECISION NOT NULL)
            """,
            """
            CREATE TABLE calls (
                id BIGSERIAL PRIMARY KEY, callId \(text) NOT NULL UNIQUE, contentSha256 \(text) NOT NULL, engineVersion \(text) NOT NULL,
                configurationFingerprint \(text) NOT NULL, modelSha256 \(text), channelMap \(text), sourcePath \(text) NOT NULL,
                agentId \(text), team \(text), startedAt \(text), durationSeconds DOUBLE PRECISION NOT NULL, sampleRateHz BIGINT NOT NULL,
                channelLayout \(text) NOT NULL, runId BIGINT REFERENCES runs(id) ON DELETE SET NULL, analyzedAt \(text) NOT NULL,
                report \(text) NOT NULL)
            """,
            "CREATE INDEX calls_contentSha256 ON calls (contentSha256)",
            "CREATE INDEX calls_agentId ON calls (agentId)",
            "CREATE INDEX calls_team ON calls (team)",
            "CREATE INDEX calls_startedAt ON calls (startedAt)",
            "CREATE INDEX calls_analyzedAt ON calls (analyzedAt)",
            """
            CREATE TABLE segments (
                callRowId BIGINT NOT NULL REFERENCES calls(id) ON DELETE CASCADE, party \(text) NOT NULL,
                startSeconds DOUBLE PRECISION NOT NULL, endSeconds DOUBLE PRECISION NOT NULL, levelDbRelative DOUBLE PRECISION)
            """,
            "CREATE INDEX segments_callRowId ON segments (callRowId)",
            """
            CREATE TABLE events (
                callRowId BIGINT NOT NULL REFERENCES calls(id) ON DELETE CASCADE, type \(text) NOT NULL, party \(text), initiator \(text),
                startSeconds DOUBLE PRECISION NOT NULL, endSeconds DOUBLE PRECISION NOT NULL, peakDbAboveBaseline DOUBLE PRECISION)
            """,
            "CREATE INDEX events_callRowId ON events (callRowId)",
            """
            CREATE TABLE metrics (
                callRowId BIGINT NOT NULL REFERENCES calls(id) ON DELETE CASCADE, scope \(text) NOT NULL, name \(text) NOT NULL,
                value DOUBLE PRECISION, PRIMARY KEY (callRowId, scope, name))
            """,
            """
            CREATE TABLE failures (
                id BIGSERIAL PRIMARY KEY, runId BIGINT REFERENCES runs(id) ON DELETE CASCADE, path \(text) NOT NULL, callId \(text),
                line BIGINT, code \(text) NOT NULL, reason \(text) NOT NULL, occurredAt \(text) NOT NULL)
            """,
            "CREATE INDEX failures_runId ON failures (runId)",
            """
            CREATE TABLE scores (
                callRowId BIGINT PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE, modelId \(text) NOT NULL, modelVersion \(text) NOT NULL,
                modelSha256 \(text) NOT NULL, effortValue DOUBLE PRECISION NOT NULL, effortIndex DOUBLE PRECISION NOT NULL,
                effortScaleMin DOUBLE PRECISION NOT NULL, effortScaleMax DOUBLE PRECISION NOT NULL, effortHigherIsEasier BOOLEAN NOT NULL,
                distressValue DOUBLE PRECISION, distressLevel \(text), distressPeakAtSeconds DOUBLE PRECISION)
            """,
            "CREATE INDEX scores_distressLevel ON scores (distressLevel)",
            """
            CREATE TABLE contributions (
                callRowId BIGINT NOT NULL REFERENCES calls(id) ON DELETE CASCADE, score \(text) NOT NULL, rank BIGINT NOT NULL,
                input \(text) NOT NULL, metric \(text) NOT NULL, value DOUBLE PRECISION, unit \(text) NOT NULL,
                points DOUBLE PRECISION NOT NULL, text \(text) NOT NULL)
            """,
            "CREATE INDEX contributions_callRowId ON contributions (callRowId)",
            """
            CREATE TABLE surveys (
                id BIGSERIAL PRIMARY KEY, callId \(text) NOT NULL, respondedAt \(text) NOT NULL, score DOUBLE PRECISION NOT NULL,
                scaleMin DOUBLE PRECISION NOT NULL, scaleMax DOUBLE PRECISION NOT NULL, higherIsEasier BOOLEAN NOT NULL,
                effortIndex DOUBLE PRECISION NOT NULL, fileScore DOUBLE PRECISION NOT NULL, comment \(text), channel \(text),
                sourcePath \(text) NOT NULL, line BIGINT NOT NULL, importedAt \(text) NOT NULL, UNIQUE (callId, respondedAt, score))
            """,
            "CREATE INDEX surveys_respondedAt ON surveys (respondedAt)",
            StoreSchema.surveyPairsView,
            """
            CREATE TABLE calibrations (
                id BIGSERIAL PRIMARY KEY, createdAt \(text) NOT NULL, modelId \(text) NOT NULL, modelVersion \(text) NOT NULL,
                modelSha256 \(text) NOT NULL, parentSha256 \(text), kind \(text) NOT NULL, team \(text), since \(text), until \(text),
                surveys BIGINT NOT NULL, spearman DOUBLE PRECISION, spearmanLow DOUBLE PRECISION, spearmanHigh DOUBLE PRECISION,
                meanAbsoluteErrorPoints DOUBLE PRECISION NOT NULL, biasPoints DOUBLE PRECISION NOT NULL, withinOne DOUBLE PRECISION NOT NULL,
                errorQuantile DOUBLE PRECISION NOT NULL, errorQuantileIndex DOUBLE PRECISION NOT NULL, scaleMin DOUBLE PRECISION NOT NULL,
                scaleMax DOUBLE PRECISION NOT NULL, higherIsEasier BOOLEAN NOT NULL)
            """,
            "CREATE INDEX calibrations_modelSha256 ON calibrations (modelSha256)",
        ]),
        (2, "claims", [StoreSchema.claimsTable(text: text, integer: "BIGINT")]),
        (3, "live servers and their calls", StoreSchema.liveTables(text: text)),
        // A foreign key checks every row inserted (a query per segment, event, metric and
        // contribution: half the server's work for each stored call). The store writes a call's
        // rows in the statement that writes the call (`PostgresSession.insertCall`) and deletes
        // them with it (`PostgresSession.deleteCalls`), so the keys are dropped.
        (4, "rows of a call kept with it by the store, not by foreign keys",
         CallChildRows.tables.map { "ALTER TABLE \($0) DROP CONSTRAINT IF EXISTS \($0.lowercased())_callrowid_fkey" }),
        (5, "the call explorer's playback log and call-time index", StoreSchema.explorerTables(text: text, identity: "BIGSERIAL PRIMARY KEY")),
        (6, "the wall's call-back list", StoreSchema.callBacksTable(text: text)),
        (7, "live calls' kept audio", StoreSchema.liveAudioTable(text: text)),
        (8, "without version 5's surveys_callId", [StoreSchema.dropRedundantSurveysIndex]),
    ]

    /// The newest version this build knows.
    static var latestVersion: Int { migrations.map(\.version).max() ?? 0 }

    /// Applies the missing migrations in one transaction (the caller's), holding an advisory lock
    /// so two processes opening a new store at once do not both create it. Refuses a store newer
    /// than this build; `readOnly` refuses a database without the schema instead of creating it.
    static func migrate(_ session: any StoreSession, readOnly: Bool, location: String) throws {
        _ = try session.rows("SELECT pg_advisory_xact_lock(7317000001)", [])
        try session.execute("CREATE TABLE IF NOT EXISTS attune_schema (version BIGINT PRIMARY KEY, name TEXT NOT NULL, appliedAt TEXT NOT NULL)")
        let current: Int = try session.value("SELECT COALESCE(MAX(version), 0) FROM attune_schema") ?? 0
        guard current <= latestVersion else {
            throw StorageError(
                operation: "opening results store \(location)",
                message: "it was written by a newer attune (schema version \(current); this build knows up to \(latestVersion)); use that version or newer")
        }
        if readOnly && current == 0 {
            throw StorageError(operation: "opening results store \(location) for reading", message: "not an Attune results store (it has no schema yet)")
        }
        for migration in migrations where migration.version > current {
            for statement in migration.statements { try session.execute(statement) }
            try session.execute(
                "INSERT INTO attune_schema (version, name, appliedAt) VALUES (?, ?, ?)",
                [.integer(Int64(migration.version)), .text(migration.name), .text(timestampNow())])
        }
    }
}
