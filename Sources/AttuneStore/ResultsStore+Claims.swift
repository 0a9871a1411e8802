/// What claiming a piece of a batch gave.
public enum ClaimOutcome: Sendable, Equatable {
    /// This worker does it.
    case claimed
    /// Another worker sharing the store is doing it (its claim is fresh and its process alive).
    case heldElsewhere
    /// It failed before with the same identity (the same bytes, engine, settings, model and
    /// channel map): listed once, not retried until something it depends on changes.
    case failedBefore
}

extension ResultsStore {
    /// Claims `key` (`FailureReport.workKey`: a call, or a manifest line) for this worker, so
    /// that workers sharing the store (several `attune batch` on the same folder, with or without
    /// `--shard`, on one machine or several) never analyse or list the same thing twice.
    ///
    /// A claim is a lease, not a lock held by a connection: it is taken over when its worker is
    /// gone (on this machine, its process no longer exists; elsewhere, it is older than
    /// `RunWorker.staleAfterSeconds`), or when `identity` changed (a new file, engine, setting
    /// or model: new work). Storing the call removes it (`store`); a failure keeps it, marked
    /// failed (`recordFailures`).
    /// - Parameter identity: what the work is, e.g. the result identity's fields joined.
    public func claim(_ key: String, identity: String, runId: Int64) async throws(StorageError) -> ClaimOutcome {
        let worker = RunWorker.current, now = timestampNow()
        let staleBefore = timestampNow(secondsAgo: RunWorker.staleAfterSeconds)
        let operation = "claiming \(key) in the results store"
        // Unclaimed work (the usual case) takes one statement, outside a transaction; a claim
        // held already is looked at in a transaction that locks it.
        let inserted = try await writeStatement(
            operation,
            "INSERT INTO claims (workKey, worker, runId, claimedAt, identity) VALUES (?, ?, ?, ?, ?) ON CONFLICT (workKey) DO NOTHING RETURNING workKey",
            [.text(key), .text(worker), .integer(runId), .text(now), .text(identity)])
        guard inserted.isEmpty else { return .claimed }
        return try await write(operation) { session in
            let lock = session.dialect == .postgres ? " FOR UPDATE" : ""
            guard let held = try session.row("SELECT worker, claimedAt, identity, failedAt FROM claims WHERE workKey = ?\(lock)", [.text(key)]) else {
                return .heldElsewhere  // released between the two statements: it was just stored
            }
            let sameWork = (held["identity"] as String) == identity
            if sameWork {
                if (held["failedAt"] as String?) != nil { return .failedBefore }
                let holder: String = held["worker"], claimedAt: String = held["claimedAt"]
                guard holder == worker || RunWorker.isGone(holder, lastSeen: claimedAt, staleBefore: staleBefore) else { return .heldElsewhere }
            }
            try session.execute(
                "UPDATE claims SET worker = ?, runId = ?, claimedAt = ?, identity = ?, failedAt = NULL WHERE workKey = ?",
                [.text(worker), .integer(runId), .text(now), .text(identity), .text(key)])
            return .claimed
        }
    }

    /// Deletes the claims that workers now gone left on calls stored since, with the result the
    /// claim was for. A worker killed after claiming a call that another worker had just stored
    /// (between its check and its claim) leaves one: no later run needs the call, so nobody would
    /// ever take the claim over. Gone: a process of this machine that no longer exists, or a
    /// claim not renewed for `RunWorker.staleAfterSeconds`. Batch runs call it as they finish.
    /// - Returns: the number of claims deleted.
    @discardableResult
    public func releaseOrphanedClaims() async throws(StorageError) -> Int {
        let staleBefore = timestampNow(secondsAgo: RunWorker.staleAfterSeconds)
        return try await write("releasing orphaned claims in the results store") { session in
            // Open claims on calls (`call:ID`), each with its stored call looked up by the calls'
            // callId index; released below where the stored result is the one claimed.
            let held = try session.rows("""
                SELECT claims.workKey, claims.worker, claims.claimedAt, claims.identity AS claimed, \(ResultIdentity.columns)
                FROM claims JOIN calls ON calls.callId = substr(claims.workKey, 6)
                WHERE claims.workKey LIKE 'call:%' AND claims.failedAt IS NULL
                """)
            var released = 0
            for claim in held {
                let worker: String = claim["worker"], claimedAt: String = claim["claimedAt"], claimed: String = claim["claimed"]
                guard claimed == ResultIdentity(row: claim).claimText,
                      RunWorker.isGone(worker, lastSeen: claimedAt, staleBefore: staleBefore) else { continue }
                try session.execute(
                    "DELETE FROM claims WHERE workKey = ? AND worker = ? AND claimedAt = ?",
                    [.text(claim["workKey"]), .text(worker), .text(claimedAt)])
                released += 1
            }
            return released
        }
    }

    /// Gives a claim back (the work turned out to be done already).
    public func releaseClaim(_ key: String) async throws(StorageError) {
        try await write("releasing \(key) in the results store") { session in
            try session.execute("DELETE FROM claims WHERE workKey = ? AND worker = ?", [.text(key), .text(RunWorker.current)])
        }
    }
}

extension FailureReport {
    /// The piece of work a failure is about, as claims name it: `call:ID`, or
    /// `problem:PATH:LINE` for a manifest line without a call id.
    public var workKey: String { callId.map { "call:" + $0 } ?? "problem:\(path):\(line ?? 0)" }
}

extension CallMetadata {
    /// The claim key of this call's work.
    public var workKey: String { "call:" + callId }
}

extension ResultIdentity {
    /// The identity as one text, as claims compare it.
    public var claimText: String {
        [contentSha256, engineVersion, configurationFingerprint, modelSha256 ?? "", channelMap ?? ""].joined(separator: "|")
    }
}
