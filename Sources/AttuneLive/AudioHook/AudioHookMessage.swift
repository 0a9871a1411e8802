import FoundationEssentials

// Genesys Cloud AudioHook protocol v2 messages: the envelope, the parameters Attune reads and the
// replies it writes. Validation follows the reference implementation
// (purecloudlabs/audiohook-reference-implementation, `protocol/validators.ts`).

/// Any JSON value, as decoded from a client message (objects keep no key order).
public enum AudioHookJSON: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([AudioHookJSON])
    case object([String: AudioHookJSON])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([AudioHookJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: AudioHookJSON].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    var objectValue: [String: AudioHookJSON]? {
        if case .object(let value) = self { value } else { nil }
    }

    var arrayValue: [AudioHookJSON]? {
        if case .array(let value) = self { value } else { nil }
    }

    var boolValue: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    /// A non-negative integer (a protocol sequence number), or nil.
    var sequenceNumber: Int? {
        guard case .number(let value) = self, value >= 0, value <= 9_007_199_254_740_991, value.rounded(.towardZero) == value else {
            return nil
        }
        return Int(value)
    }
}

/// Messages the client (Genesys Cloud) sends.
public enum AudioHookClientMessageType: String, Sendable, Equatable, Hashable, CaseIterable {
    case open, close, ping, paused, resumed, discarded, update, error
}

/// Messages the server (Attune) sends.
public enum AudioHookServerMessageType: String, Sendable, Equatable, Hashable, CaseIterable {
    case opened, closed, pong, pause, resume, event, disconnect, reconnect, updated
}

/// An audio channel of the AudioHook media: `external` is the customer, `internal` the agent.
public enum AudioHookChannel: String, Sendable, Equatable, Hashable, Codable {
    case external, `internal`
}

/// Audio encodings AudioHook offers: μ-law (1 byte per sample) or 16-bit little-endian linear PCM.
public enum AudioHookFormat: String, Sendable, Equatable, Hashable, Codable {
    case pcmu = "PCMU"
    case l16 = "L16"

    /// Bytes per sample of one channel.
    public var bytesPerSample: Int {
        switch self {
        case .pcmu: 1
        case .l16: 2
        }
    }
}

/// One `media` entry of `open` / `opened`: `{type:"audio", format, channels, rate}`.
public struct AudioHookMedia: Sendable, Equatable, Hashable, Codable {
    /// Always "audio".
    public var type: String
    public var format: AudioHookFormat
    /// Channel order of the interleaved samples in binary frames (1 or 2 entries).
    public var channels: [AudioHookChannel]
    /// Sample rate (Hz); AudioHook v2 only offers 8000.
    public var rate: Int

    public init(format: AudioHookFormat, channels: [AudioHookChannel], rate: Int = 8000) {
        self.type = "audio"
        self.format = format
        self.channels = channels
        self.rate = rate
    }

    /// Bytes in one sample frame (one sample of every channel).
    public var bytesPerSampleFrame: Int { format.bytesPerSample * channels.count }

    /// Parses one offered entry; nil unless it is valid per the reference validator (type audio,
    /// format PCMU or L16, rate 8000, 1–2 channels each `external` or `internal`).
    init?(json: AudioHookJSON) {
        guard let object = json.objectValue,
              object["type"]?.stringValue == "audio",
              let format = object["format"]?.stringValue.flatMap(AudioHookFormat.init(rawValue:)),
              object["rate"]?.sequenceNumber == 8000,
              let channelValues = object["channels"]?.arrayValue, (1...2).contains(channelValues.count)
        else { return nil }
        var channels: [AudioHookChannel] = []
        for value in channelValues {
            guard let channel = value.stringValue.flatMap(AudioHookChannel.init(rawValue:)) else { return nil }
            channels.append(channel)
        }
        self.init(format: format, channels: channels, rate: 8000)
    }
}

/// `open.parameters.participant`: the customer's side of the conversation.
public struct AudioHookParticipant: Sendable, Equatable {
    public var id: String
    public var ani: String
    public var aniName: String
    public var dnis: String
}

/// `open.parameters`, validated.
public struct AudioHookOpenParameters: Sendable, Equatable {
    public var organizationId: String
    /// The Genesys conversation: Attune's call id.
    public var conversationId: String
    public var participant: AudioHookParticipant
    /// The offered entries that are valid AudioHook media (others are left out).
    public var media: [AudioHookMedia]
    /// Offered entries that were not valid AudioHook media.
    public var invalidMediaCount: Int
    /// BCP-47-like code, e.g. "en-US".
    public var language: String?
    /// Whether the client asks for the server's supported languages in `opened`.
    public var supportedLanguages: Bool
    /// The integration's custom configuration object, if any.
    public var customConfig: [String: AudioHookJSON]?
    /// Ids of the sessions this one continues (reconnects).
    public var continuedSessionIds: [String]

    /// `customConfig.agentId` when it is a string.
    public var agentId: String? { customConfig?["agentId"]?.stringValue }
    /// `customConfig.team` when it is a string.
    public var team: String? { customConfig?["team"]?.stringValue }
    /// Whether the client asks for the call's alerts as `event` messages: `customConfig.attuneEvents`
    /// is `true` (any other value, or none, is no). AudioHook defines the server's `event` message
    /// but no way for a client to ask for particular events; `customConfig` is the integration's
    /// own object, set per AudioHook integration in Genesys Cloud, so this is where it is asked.
    public var eventsRequested: Bool { customConfig?["attuneEvents"]?.boolValue == true }

    /// Validates `parameters` as the reference does; nil if a required field is missing or wrong.
    init?(_ parameters: [String: AudioHookJSON]) {
        guard let organizationId = parameters["organizationId"]?.stringValue, AudioHookFormatCheck.isUUID(organizationId),
              let conversationId = parameters["conversationId"]?.stringValue, AudioHookFormatCheck.isUUID(conversationId),
              let participant = parameters["participant"]?.objectValue,
              let participantId = participant["id"]?.stringValue, AudioHookFormatCheck.isUUID(participantId),
              let ani = participant["ani"]?.stringValue,
              let aniName = participant["aniName"]?.stringValue,
              let dnis = participant["dnis"]?.stringValue,
              let mediaValues = parameters["media"]?.arrayValue
        else { return nil }
        var language: String?
        if let value = parameters["language"] {
            guard let code = value.stringValue, AudioHookFormatCheck.isLanguageCode(code) else { return nil }
            language = code
        }
        var supportedLanguages = false
        if let value = parameters["supportedLanguages"] {
            guard let flag = value.boolValue else { return nil }
            supportedLanguages = flag
        }
        var customConfig: [String: AudioHookJSON]?
        if let value = parameters["customConfig"] {
            guard let object = value.objectValue else { return nil }
            customConfig = object
        }
        var continuedSessionIds: [String] = []
        if let value = parameters["continuedSessions"] {
            guard let entries = value.arrayValue else { return nil }
            for entry in entries {
                guard let object = entry.objectValue,
                      let id = object["id"]?.stringValue, AudioHookFormatCheck.isUUID(id),
                      object["serverseq"]?.sequenceNumber != nil, object["clientseq"]?.sequenceNumber != nil
                else { return nil }
                continuedSessionIds.append(id)
            }
        }
        let media = mediaValues.compactMap(AudioHookMedia.init(json:))
        self.organizationId = organizationId
        self.conversationId = conversationId
        self.participant = AudioHookParticipant(id: participantId, ani: ani, aniName: aniName, dnis: dnis)
        self.media = media
        self.invalidMediaCount = mediaValues.count - media.count
        self.language = language
        self.supportedLanguages = supportedLanguages
        self.customConfig = customConfig
        self.continuedSessionIds = continuedSessionIds
    }
}

/// A client text message whose envelope is well formed (parameters not yet checked).
public struct AudioHookClientMessage: Sendable, Equatable {
    /// The session id (a UUID).
    public var id: String
    /// The message type as sent (may be one Attune does not know).
    public var type: String
    /// The client's sequence number (1, 2, …).
    public var seq: Int
    /// The last server `seq` the client had seen.
    public var serverseq: Int
    /// The client's stream position when it sent the message (s).
    public var positionSeconds: Double
    public var parameters: [String: AudioHookJSON]

    /// Why a text message is not a well-formed client message.
    public enum ParseFailure: Error, Sendable, Equatable {
        /// Not JSON.
        case notJSON
        /// JSON, but the envelope is wrong; the text says which field.
        case malformed(String)
    }

    /// Decodes and checks the envelope: `version` "2", `id` a UUID, `type` a string, `seq` and
    /// `serverseq` non-negative integers, `position` an ISO-8601 duration, `parameters` an object.
    public static func parse(_ text: String) -> Result<AudioHookClientMessage, ParseFailure> {
        let json: AudioHookJSON
        do {
            json = try JSONDecoder().decode(AudioHookJSON.self, from: Data(text.utf8))
        } catch {
            return .failure(.notJSON)
        }
        guard let object = json.objectValue else { return .failure(.malformed("not a JSON object")) }
        guard object["version"] == .string("2") else { return .failure(.malformed("version must be \"2\"")) }
        guard let id = object["id"]?.stringValue, AudioHookFormatCheck.isUUID(id) else { return .failure(.malformed("id must be a UUID")) }
        guard let type = object["type"]?.stringValue else { return .failure(.malformed("type must be a string")) }
        guard let seq = object["seq"]?.sequenceNumber else { return .failure(.malformed("seq must be a non-negative integer")) }
        guard let parameters = object["parameters"]?.objectValue else { return .failure(.malformed("parameters must be an object")) }
        guard let position = object["position"]?.stringValue.flatMap(AudioHookDuration.parseISODuration) else {
            return .failure(.malformed("position must be an ISO-8601 duration such as PT1.5S"))
        }
        guard let serverseq = object["serverseq"]?.sequenceNumber else {
            return .failure(.malformed("serverseq must be a non-negative integer"))
        }
        return .success(AudioHookClientMessage(
            id: id, type: type, seq: seq, serverseq: serverseq, positionSeconds: position, parameters: parameters))
    }
}

/// ISO-8601 durations as AudioHook writes them: `PT` seconds `S`, e.g. "PT12.34S".
public enum AudioHookDuration {
    /// Seconds (≥ 0) of a duration of the form `PT<digits>[.<digits>]S` (the reference's
    /// `^PT(?:\d*\.)?\d+S$`), or nil for anything else.
    public static func parseISODuration(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 4, bytes.count <= 40, bytes[0] == UInt8(ascii: "P"), bytes[1] == UInt8(ascii: "T"),
              bytes[bytes.count - 1] == UInt8(ascii: "S")
        else { return nil }
        let number = bytes[2..<(bytes.count - 1)]
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        var sawDot = false
        var digitsAfterDot = 0
        for byte in number {
            if byte == UInt8(ascii: ".") {
                if sawDot { return nil }
                sawDot = true
            } else if isDigit(byte) {
                if sawDot { digitsAfterDot += 1 }
            } else {
                return nil
            }
        }
        // At least one digit, and at least one after a dot if there is one.
        if sawDot ? digitsAfterDot == 0 : number.isEmpty { return nil }
        return Double(String(decoding: number, as: UTF8.self))
    }

    /// "PT<seconds>S" with up to 3 decimals.
    public static func format(seconds: Double) -> String {
        let milliseconds = Int((max(0, seconds) * 1000).rounded())
        let whole = milliseconds / 1000, fraction = milliseconds % 1000
        if fraction == 0 { return "PT\(whole)S" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "PT\(whole).\(digits)S"
    }
}

/// Value formats the reference validates.
enum AudioHookFormatCheck {
    static let nullUUID = "00000000-0000-0000-0000-000000000000"

    /// RFC 4122 UUID, version 1–5, variant 10xx (any hex case), or the nil UUID.
    static func isUUID(_ text: String) -> Bool {
        if text == nullUUID { return true }
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            switch index {
            case 8, 13, 18, 23:
                if byte != UInt8(ascii: "-") { return false }
            case 14:
                if !(UInt8(ascii: "1")...UInt8(ascii: "5")).contains(byte) { return false }
            case 19:
                if !"89abAB".utf8.contains(byte) { return false }
            default:
                if !isHex(byte) { return false }
            }
        }
        return true
    }

    /// `^[a-z]{2,3}-[A-Za-z]{2,3}$`, e.g. "en-US".
    static func isLanguageCode(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let lower = parts[0].utf8, region = parts[1].utf8
        return (2...3).contains(lower.count) && lower.allSatisfy { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
            && (2...3).contains(region.count) && region.allSatisfy(isLetter)
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}

// MARK: - Server messages

/// Server message envelope: `{version:"2", id, type, seq, clientseq, parameters}`.
struct AudioHookServerEnvelope<Parameters: Encodable>: Encodable {
    var version = "2"
    var id: String
    var type: String
    var seq: Int
    var clientseq: Int
    var parameters: Parameters
}

/// `{}`: the parameters of `pong` and `closed`.
struct AudioHookEmptyParameters: Encodable, Equatable {}

/// `opened.parameters`.
struct AudioHookOpenedParameters: Encodable, Equatable {
    var media: [AudioHookMedia]
    var startPaused: Bool
    /// Only when the client asked (`open.parameters.supportedLanguages`).
    var supportedLanguages: [String]?
}

/// `disconnect.parameters`: reason `completed`, `unauthorized` or `error`, and a note.
struct AudioHookDisconnectParameters: Encodable, Equatable {
    var reason: String
    var info: String?
}

/// `event.parameters`: `entities`, each `{type, data}` (the reference's `EventParameters`).
struct AudioHookEventParameters: Encodable, Equatable {
    var entities: [AudioHookAlertEntity]
}

/// An Attune alert as an `event` entity: type `attune.alert`.
struct AudioHookAlertEntity: Encodable, Equatable {
    struct Alert: Encodable, Equatable {
        /// `LiveAlert.Cause`: `deadAir`, `interruption`, `raisedVoice`, `distressHigh`.
        var cause: String
        /// `advisor` or `customer`, when it is one party's (absent otherwise).
        var party: String?
        /// When it held (s of the call's audio).
        var atSeconds: Double
        /// What the desktop shows.
        var message: String
    }

    var type = "attune.alert"
    var data: Alert
}

enum AudioHookServerMessageWriter {
    /// JSON text of a server message, keys sorted (stable output for logs and tests).
    static func write<Parameters: Encodable>(_ envelope: AudioHookServerEnvelope<Parameters>) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(envelope) else {
            // Unreachable for the parameter types above (strings, integers, booleans, arrays).
            return #"{"version":"2","type":"disconnect","parameters":{"reason":"error"}}"#
        }
        return String(decoding: data, as: UTF8.self)
    }
}
