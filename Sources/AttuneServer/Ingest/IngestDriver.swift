import AttuneDSP
import AttuneLive
import AttuneScoring
import AttunePipeline
import AttuneStore
import FoundationEssentials
import Logging

/// Runs one ingest connection's events into its live call: starts the call, analyses audio,
/// hands updates and alerts to the hub, and at the end hands back the finished call for
/// `store(_:state:logger:)`, which stores the final report exactly as the batch would. Owned by
/// the connection's handler, on its event loop; nothing here waits.
struct IngestDriver {
    let state: LiveServerState
    let source: IngestProtocol
    var logger: Logger
    private var call: LiveCall?
    /// The call's audio file, when the server keeps live audio (`liveAudio`).
    private var recorder: LiveAudioRecorder?
    /// When the call's `start` arrived (its audio may not run `maximumLeadSeconds` ahead of it).
    private var callStartedAt: ContinuousClock.Instant?
    private var finished = false

    init(state: LiveServerState, source: IngestProtocol, logger: Logger) {
        self.state = state
        self.source = source
        self.logger = logger
    }

    /// What the connection does after a step: the replies to send, and whether to close.
    struct Outcome: Sendable {
        var replies: [String]
        var close: (reason: String, normal: Bool)?
        /// The call could not start (the adapter tells the client in its protocol's words).
        var refused: String? = nil
        /// The call ended with this step: store it (`store`) before sending the replies.
        var ended: EndedCall? = nil
        /// Alerts this step raised (also published to the hub), for the adapter to pass on.
        var alerts: [LiveAlert] = []
    }

    /// A call that has ended: its final report, ready for the results store.
    struct EndedCall: Sendable {
        var analyzed: AnalyzedCall
        var message: LiveCallEnded
        /// The call's kept audio file, if any.
        var audioPath: String? = nil
    }

    /// Applies an adapter's step. `arrival`: when the message that produced it arrived.
    mutating func apply(_ step: IngestStep, arrival: ContinuousClock.Instant) -> Outcome {
        var outcome = Outcome(replies: step.replies, close: step.close.map { ($0, step.closesNormally) })
        if let problem = step.problem {
            state.metrics.error(.protocol)
            logger.notice("ingest message ignored", metadata: ["reason": "\(problem)"])
        }
        if step.close != nil && !step.closesNormally {
            state.metrics.error(step.closeCountsAs)
            logger.notice("ingest stream refused", metadata: ["reason": "\(step.close!)"])
        }
        state.metrics.frames(gapFilled: step.gapFrames, dropped: step.droppedFrames)
        for event in step.events {
            switch event {
            case .start(let setup):
                if let reason = start(setup, arrival: arrival) {
                    outcome.refused = reason
                    outcome.close = (reason, false)
                    return outcome
                }
            case .audio(let samples):
                guard call != nil else { continue }
                let channels = call!.setup.layout.channelCount
                state.metrics.audioMessage(source, seconds: Double(samples.count / channels) / Double(call!.setup.sampleRateHz))
                if let recorder {
                    do { try recorder.append(samples) } catch {
                        // The analysis goes on; the call is stored without its audio.
                        logger.error("live audio not kept", metadata: ["error": "\(error)"])
                        recorder.discard()
                        self.recorder = nil
                    }
                }
                for message in call!.push(samples, scratch: state.scratch) {
                    switch message {
                    case .update: state.metrics.update(latencySeconds: (ContinuousClock.now - arrival).seconds)
                    case .alert(let alert):
                        state.metrics.alert(alert.cause)
                        outcome.alerts.append(alert)
                    default: break
                    }
                    state.hub.publish(message)
                }
                // A call is bounded like a file (`AudioLimits.maximumDurationSeconds`): its
                // analysis state grows with its events, and its report must stay storable.
                if call!.receivedSeconds >= Double(AudioLimits.maximumDurationSeconds), let ended = end() {
                    outcome.ended = ended
                    outcome.close = ("the call reached the \(AudioLimits.maximumDurationSeconds / 3600) h limit", true)
                    return outcome
                }
                // Audio faster than real time is allowed a burst (`maximumLeadSeconds`), no more:
                // one call's analysis may not take a core from the others for long.
                let wallSeconds = callStartedAt.map { (arrival - $0).seconds } ?? 0
                let leadSeconds = call!.receivedSeconds - wallSeconds
                if leadSeconds > state.options.maximumLeadSeconds, let ended = end() {
                    outcome.ended = ended
                    let received = Int(ended.analyzed.report.durationSeconds.rounded())
                    outcome.close = ("audio arrived faster than real time: \(received) s in \(Int(wallSeconds.rounded())) s (live.maximumLeadSeconds \(Int(state.options.maximumLeadSeconds)))", false)
                    state.metrics.error(.protocol)
                    logger.notice("ingest stream ended", metadata: ["reason": "\(outcome.close!.reason)"])
                    return outcome
                }
            case .end:
                if let ended = end() { outcome.ended = ended }
            }
        }
        return outcome
    }

    /// Starts the call; a reason when it cannot start.
    private mutating func start(_ setup: LiveCallSetup, arrival: ContinuousClock.Instant) -> String? {
        guard call == nil, !finished else { return "the stream has already started a call" }
        let live: LiveCall
        do {
            live = try LiveCall(
                setup: setup, source: source.rawValue, startedAt: Date.now.formatted(.iso8601), configuration: state.analysis,
                model: state.model, options: state.options)
        } catch {
            state.metrics.error(.analysis)
            return "cannot analyse this stream: \(error)"
        }
        let registered: LiveCallInfo
        // With a store, the other servers hear of the call once its row is written (below).
        do { registered = try state.hub.register(live.info, announced: state.database == nil) } catch {
            state.metrics.error(.protocol)
            return "\(source.callNoun) \(setup.callId) is already live"
        }
        call = live
        callStartedAt = arrival
        if let keeping = state.liveAudio {
            do {
                recorder = try LiveAudioRecorder(
                    folder: keeping.folder, callId: setup.callId, sampleRateHz: setup.sampleRateHz, channelCount: setup.layout.channelCount)
            } catch {
                logger.error("live audio not kept", metadata: ["error": "\(error)"])
            }
        }
        state.metrics.callStarted()
        if let database = state.database {
            // Under way, for the servers sharing the store (and so that it ends as interrupted
            // if this server dies); the end is recorded whichever write lands first. Only then
            // are the other servers told: one that joins meanwhile reads the row or hears the start.
            let record = LiveCallRecord(registered, serverId: state.serverId), logger = logger, hub = state.hub
            Task {
                do { try await database.recordLiveCall(record) } catch {
                    logger.error("live call not recorded in the store", metadata: ["error": "\(error)"])
                }
                hub.announceStart(callId: record.callId)
            }
        }
        logger[metadataKey: "callId"] = "\(setup.callId)"
        logger.info("call started", metadata: ["protocol": "\(source.rawValue)", "agentId": "\(registered.agentId ?? "-")", "sampleRateHz": "\(setup.sampleRateHz)"])
        return nil
    }

    /// Ends the call, if one is under way (once): its final report, for `store`.
    mutating func end() -> EndedCall? {
        guard var live = call, !finished else { return nil }
        finished = true
        call = nil
        let (report, contentSha256, message) = live.finish()
        // Who the call is with as the hub knows it now: a call context may have come mid-call.
        let info = state.hub.currentInfo(callId: live.info.callId) ?? live.info
        let identity = ResultIdentity(
            contentSha256: contentSha256, engineVersion: report.engineVersion,
            configurationFingerprint: report.configurationFingerprint, modelSha256: state.model?.sha256, channelMap: "live")
        let metadata = CallMetadata(
            callId: info.callId, sourcePath: "live:\(source.rawValue)", agentId: info.agentId, team: info.team, startedAt: info.startedAt)
        var audioPath: String? = nil
        if let recorder {
            do { audioPath = try recorder.finish() } catch {
                logger.error("live audio not kept", metadata: ["error": "\(error)"])
                recorder.discard()
            }
            self.recorder = nil
        }
        return EndedCall(analyzed: AnalyzedCall(report: report, identity: identity, metadata: metadata), message: message, audioPath: audioPath)
    }

    /// Stores an ended call's final report (when the server has a results store) and tells its
    /// watchers (`callEnded`, with whether it was stored).
    static func store(_ call: EndedCall, state: LiveServerState, logger: Logger) async {
        var message = call.message
        if let database = state.database {
            do {
                try await database.store([call.analyzed], runId: nil)
                message.stored = true
            } catch {
                state.metrics.error(.store)
                logger.error("final report not stored", metadata: ["error": "\(error)"])
                // Listed with the batch's failures, so the call is not lost without a trace.
                let failure = FailureReport(
                    path: call.analyzed.metadata.sourcePath, callId: call.analyzed.metadata.callId, code: "store", reason: "\(error)")
                try? await database.recordFailures([failure], runId: nil)
            }
        }
        if let path = call.audioPath {
            // Kept only for a stored call (nothing else could find it).
            if let database = state.database, message.stored, let keeping = state.liveAudio {
                do { try await database.recordLiveAudio(callId: message.call.callId, path: path, keptForSeconds: keeping.keepDays * 86_400) } catch {
                    logger.error("live audio not recorded in the store", metadata: ["error": "\(error)"])
                    try? FileManager.default.removeItem(atPath: path)
                }
            } else {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        if let database = state.database {
            try? await database.endLiveCall(LiveCallRecord(message.call, serverId: state.serverId), status: .ended)
            // A customer who ended the call highly distressed: the wall's call-back list.
            if message.distressLevel == .high {
                let callBack = CallBack(
                    callId: message.call.callId, agentId: message.call.agentId, team: message.call.team,
                    distressValue: message.distressValue, peakAtSeconds: call.analyzed.report.scores?.distress.peakAtSeconds)
                do { try await database.recordCallBack(callBack) } catch {
                    state.metrics.error(.store)
                    logger.error("call not listed for a call back", metadata: ["error": "\(error)"])
                }
            }
        }
        state.hub.end(message)
        state.metrics.callEnded(stored: message.stored)
        logger.info("call ended", metadata: ["durationSeconds": "\(call.analyzed.report.durationSeconds)", "stored": "\(message.stored)"])
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
