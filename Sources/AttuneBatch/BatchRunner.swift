public import AttuneDSP
public import AttunePipeline
import AttuneAudioIO
public import AttuneStore

/// Runs a batch: analyses each call on up to `jobs` concurrent tasks, skips calls whose current
/// result is already stored (updating who and when the call is, if that changed), records every failure with its reason, and writes through one writer
/// (this task) so the store sees one transaction per finished call.
///
/// Memory is bounded by `jobs`: each job holds one analyzer and its decode buffers; reports are
/// written as they arrive.
public struct BatchRunner: Sendable {
    public var database: ResultsStore
    public var configuration: AnalysisConfiguration
    /// Concurrent analyses (≥ 1).
    public var jobs: Int
    /// The scoring model (its hash is part of each result's identity); nil: no scores.
    public var model: LoadedModel?
    /// Analyse without writing results (for measuring the store's share of a batch).
    public var storesResults = true
    /// Finished calls committed together (one transaction; a crash keeps whole groups only).
    public static let commitGroupSize = 4
    /// How often a running batch records where it got to in `runs` (s): its heartbeat.
    static let reportSeconds = 60.0

    /// The run's counts as `runs` records them.
    static func counts(_ totals: BatchProgress) -> RunCounts {
        var counts = RunCounts()
        counts.total = totals.total
        counts.analyzed = totals.analyzed
        counts.skipped = totals.skipped + totals.updated + totals.elsewhere + totals.failedBefore  // not analysed here
        counts.failed = totals.failed
        counts.audioSeconds = totals.audioSeconds
        return counts
    }

    public init(database: ResultsStore, configuration: AnalysisConfiguration, jobs: Int, model: LoadedModel? = nil) {
        self.database = database
        self.configuration = configuration
        self.jobs = max(1, jobs)
        self.model = model
    }

    /// What happened to one call.
    enum Outcome: Sendable {
        case analyzed(PreparedCall, analysisSeconds: Double)
        case skipped(callId: String)
        /// The result is current, but who or when the call is changed (a manifest's agent, team or
        /// start time): the stored row is updated in place, found under `previousCallId`.
        case updated(CallMetadata, previousCallId: String)
        case failed(FailureReport)
        /// Claimed by another worker sharing the store, or failed before (`ResultsStore.claim`).
        case notClaimed(ClaimOutcome)
    }

    /// Runs `source`'s calls (those in `shard`, if given).
    /// - Parameters:
    ///   - progress: called on this task after every call, and once more at the end, with the totals
    ///     and the wall time so far (s).
    /// - Returns: the totals and the run's id in the store.
    public func run(
        _ source: BatchSource, sourceDescription: String, shard: Shard?,
        progress: (BatchProgress, Double) -> Void = { _, _ in }
    ) async throws(StorageError) -> (progress: BatchProgress, runId: Int64) {
        let clock = ContinuousClock()
        let start = clock.now
        func elapsed() -> Double { (clock.now - start).seconds }

        var items = shard.map { shard in source.items.filter { shard.contains(callId: $0.metadata.callId) } } ?? source.items
        // Workers sharing a folder without shards each start at their own place in it (a random
        // one), so they mostly claim different calls instead of all contending for the first.
        if shard == nil, storesResults, items.count > 1 {
            let offset = Int.random(in: 0..<items.count)
            items = Array(items[offset...] + items[..<offset])
        }
        let problems = shard.map { shard in source.problems.filter { $0.callId.map(shard.contains(callId:)) ?? (shard.index == 0) } } ?? source.problems
        var totals = BatchProgress(total: items.count + problems.count)
        let runId = try await database.beginRun(RunSettings(
            source: sourceDescription, shard: shard?.description, jobs: jobs, engineVersion: AttuneEngine.version,
            configurationFingerprint: configuration.fingerprint, modelSha256: model?.sha256))
        // Manifest problems are listed by the one worker that claims them.
        var claimedProblems: [FailureReport] = []
        for problem in problems {
            switch try await database.claim(problem.workKey, identity: problem.reason, runId: runId) {
            case .claimed: claimedProblems.append(problem)
            case .heldElsewhere: totals.elsewhere += 1
            case .failedBefore: totals.failedBefore += 1
            }
        }
        try await database.recordFailures(claimedProblems, runId: runId)
        totals.failed = claimedProblems.count
        progress(totals, elapsed())

        var lastReport = 0.0
        let job = Job(database: database, configuration: configuration, model: model, runId: runId, claims: storesResults)
        var storeError: StorageError? = nil
        var unstored: [PreparedCall] = []
        /// Commits the finished calls held back so far.
        func commit() async {
            guard !unstored.isEmpty, storeError == nil else { return }
            let writeStart = clock.now
            do {
                if storesResults { try await database.store(unstored, runId: runId) }
                totals.analyzed += unstored.count
                totals.audioSeconds += unstored.reduce(0) { $0 + $1.durationSeconds }
            } catch {
                storeError = error
            }
            totals.storeSeconds += (clock.now - writeStart).seconds
            unstored.removeAll(keepingCapacity: true)
        }
        await withTaskGroup(of: Outcome.self) { group in
            var pending = items.makeIterator()
            for _ in 0..<jobs {
                guard let item = pending.next() else { break }
                group.addTask { await job.process(item) }
            }
            while let outcome = await group.next() {
                if storeError == nil, let item = pending.next() { group.addTask { await job.process(item) } }
                switch outcome {
                case .analyzed(let call, let seconds):
                    unstored.append(call)
                    totals.analysisSeconds += seconds
                    if unstored.count >= Self.commitGroupSize { await commit() }
                case .skipped:
                    totals.skipped += 1
                case .updated(let metadata, let previousCallId):
                    do throws(StorageError) {
                        if storesResults { try await database.updateMetadata(of: previousCallId, to: metadata) }
                        totals.updated += 1
                    } catch {
                        storeError = error
                    }
                case .failed(let failure):
                    do throws(StorageError) {
                        try await database.recordFailures([failure], runId: runId)
                    } catch {
                        storeError = error
                    }
                    totals.failed += 1
                case .notClaimed(let claim):
                    if claim == .failedBefore { totals.failedBefore += 1 } else { totals.elsewhere += 1 }
                }
                progress(totals, elapsed())
                // The run's heartbeat: workers sharing the store take a run silent for
                // `staleAfterSeconds` for an interrupted one.
                if storeError == nil, elapsed() - lastReport >= Self.reportSeconds {
                    lastReport = elapsed()
                    do throws(StorageError) { try await database.updateRun(runId, counts: Self.counts(totals), finished: false) } catch { storeError = error }
                }
            }
            await commit()
        }
        if let storeError { throw storeError }
        if storesResults { try await database.releaseOrphanedClaims() }
        try await database.updateRun(runId, counts: Self.counts(totals), finished: true)
        progress(totals, elapsed())
        return (totals, runId)
    }
}

/// The work on one call, run concurrently: hash, skip if current, claim (workers may share the
/// store), analyse.
struct Job: Sendable {
    let database: ResultsStore
    let configuration: AnalysisConfiguration
    let model: LoadedModel?
    let runId: Int64
    /// Whether work is claimed in the store (not with `--no-store`, which measures analysis alone:
    /// give its workers `--shard` to split the work).
    let claims: Bool

    func process(_ item: BatchItem) async -> BatchRunner.Outcome {
        let path = item.metadata.sourcePath
        let callId = item.metadata.callId
        let key = item.metadata.workKey
        func storeFailure(_ error: StorageError) -> BatchRunner.Outcome {
            .failed(FailureReport(path: path, callId: callId, line: item.line, code: "store", reason: error.description))
        }
        let hash: String
        do {
            hash = try ContentHasher.sha256(of: item.recording.paths)
        } catch {
            let failure = FailureReport(path: error.path, callId: callId, line: item.line, code: "unreadable", reason: "\(error.path): \(error.message)")
            guard claims else { return .failed(failure) }
            do {
                let claim = try await database.claim(key, identity: "unreadable: " + failure.reason, runId: runId)
                return claim == .claimed ? .failed(failure) : .notClaimed(claim)
            } catch {
                return storeFailure(error)
            }
        }
        let identity = ResultIdentity(
            contentSha256: hash, engineVersion: AttuneEngine.version,
            configurationFingerprint: configuration.fingerprint, modelSha256: model?.sha256, channelMap: item.recording.channelMap)
        func current() async throws(StorageError) -> BatchRunner.Outcome? {
            guard let stored = try await database.storedResult(callId: callId, contentSha256: hash, fromFile: true), stored.identity == identity else { return nil }
            return stored.metadata == item.metadata ? .skipped(callId: callId) : .updated(item.metadata, previousCallId: stored.metadata.callId)
        }
        do {
            if let done = try await current() { return done }
            if claims {
                let claim = try await database.claim(key, identity: identity.claimText, runId: runId)
                guard claim == .claimed else { return .notClaimed(claim) }
                // Another worker may have stored it between the check and the claim.
                if let done = try await current() {
                    try await database.releaseClaim(key)
                    return done
                }
            }
        } catch {
            return storeFailure(error)
        }
        let clock = ContinuousClock()
        let start = clock.now
        let report: CallReport
        do {
            report = try RecordingAnalysis.analyze(item.recording, callId: callId, configuration: configuration, model: model)
        } catch {
            let code: String = switch error {
            case .audio(let audio): audio.code.description
            case .setup: "setup"
            }
            return .failed(FailureReport(path: path, callId: callId, line: item.line, code: code, reason: error.description))
        }
        do {
            let prepared = try ResultsStore.prepare(AnalyzedCall(report: report, identity: identity, metadata: item.metadata))
            return .analyzed(prepared, analysisSeconds: (clock.now - start).seconds)
        } catch {
            return .failed(FailureReport(path: path, callId: callId, line: item.line, code: "store", reason: error.description))
        }
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
