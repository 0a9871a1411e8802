public import AttuneDSP
import AttunePipeline
public import AttuneScoring
import FoundationEssentials

/// What the server pushes to desktops: JSON objects with a `type` (`update`, `alert`,
/// `callStarted`, `callEnded`). Times are seconds of the call's own audio (stream time).
public enum LiveMessage: Sendable, Equatable {
    case update(LiveUpdate)
    case alert(LiveAlert)
    case callStarted(LiveCallInfo)
    case callEnded(LiveCallEnded)
    /// The call left this subscriber's sight: a call context gave it another team (a wall) or
    /// another advisor (a desktop, whose subscription then ends). `LiveCallInfo` is the call as
    /// it is now.
    case callMoved(LiveCallInfo)

    public var callId: String {
        switch self {
        case .update(let update): update.call.callId
        case .alert(let alert): alert.call.callId
        case .callStarted(let info): info.callId
        case .callEnded(let ended): ended.call.callId
        case .callMoved(let info): info.callId
        }
    }

    /// The same message about `call` as it is now known (its advisor may have been learnt from a
    /// call context after the analysis started).
    public func about(_ call: LiveCallInfo) -> LiveMessage {
        switch self {
        case .update(var update): update.call = call; return .update(update)
        case .alert(var alert): alert.call = call; return .alert(alert)
        case .callStarted: return .callStarted(call)
        case .callEnded(var ended): ended.call = call; return .callEnded(ended)
        case .callMoved: return .callMoved(call)
        }
    }

    /// The message as one line of JSON.
    public func jsonText() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data? = switch self {
        case .update(let value): try? encoder.encode(Typed(type: "update", body: value))
        case .alert(let value): try? encoder.encode(Typed(type: "alert", body: value))
        case .callStarted(let value): try? encoder.encode(Typed(type: "callStarted", body: value))
        case .callEnded(let value): try? encoder.encode(Typed(type: "callEnded", body: value))
        case .callMoved(let value): try? encoder.encode(Typed(type: "callMoved", body: value))
        }
        return data.map { String(decoding: $0, as: UTF8.self) } ?? #"{"type":"error"}"#
    }

    /// `{"type": …, …body's keys}`.
    private struct Typed<Body: Encodable>: Encodable {
        var type: String
        var body: Body
        private enum Keys: String, CodingKey { case type }
        func encode(to encoder: any Encoder) throws {
            try body.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(type, forKey: .type)
        }
    }
}

/// Who a live call is (every message carries it, so a wall can route messages).
public struct LiveCallInfo: Sendable, Equatable, Codable {
    public var callId: String
    /// The advisor; nil until the stream or a call context (`CallContext`) says who it is.
    public var agentId: String?
    public var team: String?
    /// The queue or skill the call came through, when a call context gave it.
    public var queue: String?
    /// `native`, `twilio` or `audiohook`.
    public var source: String
    /// When the call started (ISO 8601, UTC, server clock).
    public var startedAt: String

    public init(callId: String, agentId: String?, team: String?, queue: String? = nil, source: String, startedAt: String) {
        self.callId = callId
        self.agentId = agentId
        self.team = team
        self.queue = queue
        self.source = source
        self.startedAt = startedAt
    }

    /// This call with what `context` says (its non-nil fields win).
    public func with(_ context: CallContext) -> LiveCallInfo {
        var info = self
        if let agentId = context.agentId { info.agentId = agentId }
        if let team = context.team { info.team = team }
        if let queue = context.queue { info.queue = queue }
        return info
    }
}

/// Who a call is with, told by a system beside the audio stream (`POST /v1/calls/{id}/context`):
/// a CTI, a routing script, a Genesys Architect data action. AudioHook's `open` names the
/// conversation and the customer, not the agent; this is how the agent reaches the call.
public struct CallContext: Sendable, Equatable, Codable {
    public var agentId: String?
    public var team: String?
    public var queue: String?

    public init(agentId: String? = nil, team: String? = nil, queue: String? = nil) {
        self.agentId = agentId
        self.team = team
        self.queue = queue
    }

    /// What is wrong with it, if anything: at least one field, each 1–200 characters.
    public var problem: String? {
        let fields = [("agentId", agentId), ("team", team), ("queue", queue)]
        guard fields.contains(where: { $0.1 != nil }) else { return "a call context needs agentId, team or queue" }
        for (name, value) in fields {
            if let value, value.isEmpty || value.count > 200 { return "\(name) must be 1–200 characters" }
        }
        return nil
    }
}

/// The state of a live call, about once a second.
public struct LiveUpdate: Sendable, Equatable, Codable {
    public var call: LiveCallInfo
    /// Audio analysed so far (s of the call): every speech decision up to here is final.
    public var streamSeconds: Double
    /// Audio received when the update was made (s): the frame that completed the update ends
    /// here. Ahead of `streamSeconds` by the speech decision's look-back (0.1 s by default).
    public var receivedSeconds: Double
    /// Likely effort so far, on the survey scale; nil without a scoring model.
    public var effort: Effort?
    /// The customer's distress over the last window; nil until their baseline holds enough speech
    /// (see `distressNote`), or without a model or a customer channel.
    public var distress: Distress?
    public var distressNote: String?
    /// Talk so far (s and share of the call) per party.
    public var talk: [String: Talk]
    /// The silence under way (s; 0 while someone speaks), dead air so far (s, runs).
    public var silenceSeconds: Double
    public var deadAirSeconds: Double?
    public var deadAirCount: Int?
    /// The dead-air threshold (s), for the desktop's timer.
    public var deadAirThresholdSeconds: Double
    public var overtalkSeconds: Double?
    public var overtalkCount: Int?
    /// Interruptions made, per party.
    public var interruptions: [String: Int]
    /// Raised-voice events, per party.
    public var raisedVoice: [String: Int]
    /// Time on hold so far (s) and holds so far.
    public var holdSeconds: Double?
    public var holdCount: Int?
    /// When the hold under way began (s of the call); nil when the call is not on hold. A hold
    /// shows once it has lasted `holds.minimumSeconds`.
    public var onHoldSinceSeconds: Double?

    /// Encoded with `level` (`low`, `moderate`, `high`) and, on each of `why`, `scaleChange` (the
    /// signed change of `value`, in answer points) and `effect` (`harder`, `easier`, `none`), as
    /// reports write them (`EffortScore`); decoding reads the stored fields only.
    public struct Effort: Sendable, Equatable, Codable {
        /// On the survey scale (`scale`).
        public var value: Double
        public var scale: SurveyScale
        /// 0 (effortless) … 1 (the most effort).
        public var index: Double
        /// The largest contributions (at most three that add anything), in effort points.
        public var why: [Contribution]

        /// Likely effort in words, from `index`.
        public var level: EffortLevel { EffortLevel(index: index) }

        private enum EncodedKeys: String, CodingKey { case value, scale, index, why, level }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: EncodedKeys.self)
            try container.encode(value, forKey: .value)
            try container.encode(scale, forKey: .scale)
            try container.encode(index, forKey: .index)
            try container.encode(why.map { EffortContributionEncoding($0, scale: scale) }, forKey: .why)
            try container.encode(level, forKey: .level)
        }
    }

    public struct Distress: Sendable, Equatable, Codable {
        /// 0 … 1 over the last `windowSeconds`.
        public var value: Double
        public var level: DistressLevel
        public var windowSeconds: Double
        public var why: [Contribution]
    }

    public struct Talk: Sendable, Equatable, Codable {
        public var seconds: Double
        public var share: Double?
    }
}

/// Something worth an advisor's attention now.
public struct LiveAlert: Sendable, Equatable, Codable {
    public enum Cause: String, Sendable, Codable, CaseIterable {
        /// Silence has just passed the dead-air threshold.
        case deadAir
        /// One party has just interrupted the other.
        case interruption
        /// The customer has just raised their voice.
        case raisedVoice
        /// The customer's distress has just turned high.
        case distressHigh
    }

    public var call: LiveCallInfo
    public var cause: Cause
    /// When it held (s of the call).
    public var atSeconds: Double
    /// How much of the call had been analysed when it was raised (s): at most a frame or two
    /// after `atSeconds`, plus the speech decision's look-back.
    public var streamSeconds: Double
    /// Whose behaviour, when it is one party's.
    public var party: Party?
    /// What the desktop shows, e.g. "Dead air: 3 s of silence".
    public var message: String
}

/// A call has ended: its final scores (the stored report has the rest).
public struct LiveCallEnded: Sendable, Equatable, Codable {
    public var call: LiveCallInfo
    public var durationSeconds: Double
    public var effort: LiveUpdate.Effort?
    public var distressValue: Double?
    public var distressLevel: DistressLevel?
    /// Whether the final report went into the results store.
    public var stored: Bool
}
