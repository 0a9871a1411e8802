/// The messages of Twilio Media Streams (WebSocket, one JSON object per text frame), as Twilio
/// sends them: `connected`, `start`, `media`, `dtmf`, `mark`, `stop`.
///
/// Numbers that Twilio sends as strings (`sequenceNumber`, `chunk`, `timestamp`) are modelled as
/// `String`, as on the wire; decoding also accepts them as JSON integers (as some
/// Twilio-compatible platforms send them). Encoding always writes Twilio's form.
/// https://www.twilio.com/docs/voice/media-streams/websocket-messages

/// One leg of the call, as Twilio names it in `start.tracks` and `media.track`.
public enum TwilioTrack: String, Sendable, Codable, CaseIterable {
    /// What the caller says: the customer.
    case inbound
    /// What Twilio plays to the caller: the advisor.
    case outbound
}

/// The `event` field alone, read first to choose how to decode the rest.
public struct TwilioEnvelope: Sendable, Equatable, Codable {
    /// `connected`, `start`, `media`, `dtmf`, `mark` or `stop`.
    public var event: String

    public init(event: String) { self.event = event }
}

/// `start.mediaFormat`: always μ-law at 8000 Hz, one channel, on Twilio.
public struct TwilioMediaFormat: Sendable, Equatable, Codable {
    /// MIME type of the payloads, `audio/x-mulaw`.
    public var encoding: String
    /// Samples per second of each track (Hz), 8000.
    public var sampleRate: Int
    /// Channels per track, 1; nil if not sent.
    public var channels: Int?

    public init(encoding: String = "audio/x-mulaw", sampleRate: Int = 8000, channels: Int? = 1) {
        self.encoding = encoding
        self.sampleRate = sampleRate
        self.channels = channels
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        encoding = try container.decode(String.self, forKey: .encoding)
        sampleRate = try container.decodeLenientInt(forKey: .sampleRate)
        channels = try container.decodeLenientIntIfPresent(forKey: .channels)
    }
}

/// The `start` message, sent once before any media.
public struct TwilioStartMessage: Sendable, Equatable, Codable {
    public var event: String
    /// Message counter of the connection as a decimal string (`"1"` for `start`); not used.
    public var sequenceNumber: String?
    /// The stream's id (`MZ…`), repeated at the top level on every message.
    public var streamSid: String?
    public var start: Start

    public struct Start: Sendable, Equatable, Codable {
        /// The stream's id (`MZ…`).
        public var streamSid: String?
        /// The Twilio account (`AC…`); not used.
        public var accountSid: String?
        /// The call's id (`CA…`): the call id unless `customParameters.callId` is given.
        public var callSid: String
        /// Tracks the stream carries: `inbound`, `outbound` or both (Twilio's names, validated by
        /// `TwilioStream`).
        public var tracks: [String]
        /// `<Parameter name= value=>` of the TwiML `<Stream>`. Values that are not JSON strings
        /// are left out rather than failing the message.
        public var customParameters: [String: String]
        public var mediaFormat: TwilioMediaFormat

        public init(
            streamSid: String?, accountSid: String? = nil, callSid: String, tracks: [String], customParameters: [String: String] = [:],
            mediaFormat: TwilioMediaFormat = TwilioMediaFormat()
        ) {
            self.streamSid = streamSid
            self.accountSid = accountSid
            self.callSid = callSid
            self.tracks = tracks
            self.customParameters = customParameters
            self.mediaFormat = mediaFormat
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            streamSid = try container.decodeIfPresent(String.self, forKey: .streamSid)
            accountSid = try container.decodeIfPresent(String.self, forKey: .accountSid)
            callSid = try container.decode(String.self, forKey: .callSid)
            tracks = try container.decode([String].self, forKey: .tracks)
            let parameters = try container.decodeIfPresent([String: TwilioParameterValue].self, forKey: .customParameters) ?? [:]
            customParameters = parameters.compactMapValues(\.string)
            mediaFormat = try container.decode(TwilioMediaFormat.self, forKey: .mediaFormat)
        }
    }

    public init(sequenceNumber: String? = "1", streamSid: String?, start: Start) {
        event = "start"
        self.sequenceNumber = sequenceNumber
        self.streamSid = streamSid
        self.start = start
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        event = try container.decode(String.self, forKey: .event)
        sequenceNumber = try container.decodeLenientStringIfPresent(forKey: .sequenceNumber)
        streamSid = try container.decodeIfPresent(String.self, forKey: .streamSid)
        start = try container.decode(Start.self, forKey: .start)
    }
}

/// A `media` message: one frame of one track (20 ms, 160 μ-law bytes, on Twilio).
public struct TwilioMediaMessage: Sendable, Equatable, Codable {
    public var event: String
    public var sequenceNumber: String?
    /// The stream's id; when present it must match the `start`'s.
    public var streamSid: String?
    public var media: Media

    public struct Media: Sendable, Equatable, Codable {
        /// `inbound` or `outbound`.
        public var track: String
        /// Frame counter of the track as a decimal string, from `"1"`.
        public var chunk: String
        /// Where the frame starts: milliseconds since the stream started, as a decimal string.
        public var timestamp: String
        /// Base64 of the raw μ-law bytes (no header), one byte per sample at 8000 Hz.
        public var payload: String

        public init(track: String, chunk: String, timestamp: String, payload: String) {
            self.track = track
            self.chunk = chunk
            self.timestamp = timestamp
            self.payload = payload
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            track = try container.decode(String.self, forKey: .track)
            chunk = try container.decodeLenientString(forKey: .chunk)
            timestamp = try container.decodeLenientString(forKey: .timestamp)
            payload = try container.decode(String.self, forKey: .payload)
        }
    }

    public init(sequenceNumber: String? = nil, streamSid: String?, media: Media) {
        event = "media"
        self.sequenceNumber = sequenceNumber
        self.streamSid = streamSid
        self.media = media
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        event = try container.decode(String.self, forKey: .event)
        sequenceNumber = try container.decodeLenientStringIfPresent(forKey: .sequenceNumber)
        streamSid = try container.decodeIfPresent(String.self, forKey: .streamSid)
        media = try container.decode(Media.self, forKey: .media)
    }
}

/// The `stop` message: the stream ended (the call hung up or `<Stop><Stream>`).
public struct TwilioStopMessage: Sendable, Equatable, Codable {
    public var event: String
    public var sequenceNumber: String?
    public var streamSid: String?
    public var stop: Stop?

    public struct Stop: Sendable, Equatable, Codable {
        public var accountSid: String?
        public var callSid: String?

        public init(accountSid: String? = nil, callSid: String?) {
            self.accountSid = accountSid
            self.callSid = callSid
        }
    }

    public init(sequenceNumber: String? = nil, streamSid: String?, stop: Stop?) {
        event = "stop"
        self.sequenceNumber = sequenceNumber
        self.streamSid = streamSid
        self.stop = stop
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        event = try container.decode(String.self, forKey: .event)
        sequenceNumber = try container.decodeLenientStringIfPresent(forKey: .sequenceNumber)
        streamSid = try container.decodeIfPresent(String.self, forKey: .streamSid)
        stop = try container.decodeIfPresent(Stop.self, forKey: .stop)
    }
}

/// One `customParameters` value: a string is kept, anything else (number, object, null) is
/// recognised and dropped, so one odd parameter does not fail the `start`.
private struct TwilioParameterValue: Decodable {
    var string: String?

    init(from decoder: any Decoder) throws {
        string = try? decoder.singleValueContainer().decode(String.self)
    }
}

extension KeyedDecodingContainer {
    /// A decimal number sent as a JSON string (Twilio's form) or a JSON integer, as its string.
    fileprivate func decodeLenientString(forKey key: Key) throws -> String {
        if let integer = try? decode(Int.self, forKey: key) { return String(integer) }
        return try decode(String.self, forKey: key)
    }

    fileprivate func decodeLenientStringIfPresent(forKey key: Key) throws -> String? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeLenientString(forKey: key)
    }

    /// An integer sent as a JSON integer or as a decimal JSON string.
    fileprivate func decodeLenientInt(forKey key: Key) throws -> Int {
        if let integer = try? decode(Int.self, forKey: key) { return integer }
        let text = try decode(String.self, forKey: key)
        guard let integer = Int(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not an integer")
        }
        return integer
    }

    fileprivate func decodeLenientIntIfPresent(forKey key: Key) throws -> Int? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeLenientInt(forKey: key)
    }
}
