public import AttunePipeline

/// Who a live call is and how its audio is laid out: what every ingest protocol learns from its
/// opening message.
public struct LiveCallSetup: Sendable, Equatable {
    /// The call's id (native `callId`, Twilio `customParameters.callId` or `callSid`, AudioHook
    /// `conversationId`).
    public var callId: String
    /// The advisor handling the call (decides which advisor tokens may watch it); nil if unknown.
    public var agentId: String?
    /// The advisor's team (decides which supervisor tokens may watch it); nil if unknown.
    public var team: String?
    /// Channels of the audio events that follow, and whose voice each is.
    public var layout: ChannelLayout
    /// Sample rate of the audio events that follow (Hz).
    public var sampleRateHz: Int

    public init(callId: String, agentId: String?, team: String?, layout: ChannelLayout, sampleRateHz: Int) {
        self.callId = callId
        self.agentId = agentId
        self.team = team
        self.layout = layout
        self.sampleRateHz = sampleRateHz
    }
}

/// What an ingest protocol hands the live call, in order: one `start`, audio, one `end`.
public enum IngestEvent: Sendable, Equatable {
    case start(LiveCallSetup)
    /// Interleaved samples in [-1, 1], `setup.layout.channelCount` per sample frame, at
    /// `setup.sampleRateHz`, in stream order (reordered and gap-filled by the protocol adapter).
    case audio([Float])
    /// The stream ended normally (`stop`, `close`).
    case end
}

/// A message that breaks its protocol: why, and how the connection answers it.
public struct IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, for the close reason and the log (never audio, never a token).
    public var reason: String
    /// Whether the stream can carry on after it (the message is ignored) or must close.
    public var isFatal: Bool
    /// A reply to send before carrying on or closing (e.g. an AudioHook `disconnect`), if the
    /// protocol has one.
    public var reply: String?

    public init(reason: String, isFatal: Bool, reply: String? = nil) {
        self.reason = reason
        self.isFatal = isFatal
        self.reply = reply
    }

    public var description: String { reason }
}

/// The ingest protocols the server speaks (`/v1/ingest/<rawValue>`).
public enum IngestProtocol: String, Sendable, CaseIterable {
    case native, twilio, audiohook

    /// What the protocol calls a call, for messages to its clients: AudioHook's unit is the
    /// conversation (the call id is its `conversationId`).
    public var callNoun: String { self == .audiohook ? "conversation" : "call" }
}
