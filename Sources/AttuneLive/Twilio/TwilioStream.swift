import AttuneDSP
import AttunePipeline
import FoundationEssentials

/// The Twilio Media Streams protocol for one WebSocket: text messages in, `IngestEvent`s out.
/// Pure: no networking, no clock (time is the stream's own timestamps).
///
/// ```swift
/// var stream = TwilioStream()
/// for text in messages { events += try stream.receive(text: text) }  // non-fatal errors: carry on
/// events += stream.finish()                                            // socket gone without `stop`
/// ```
///
/// Events come in order: one `.start`, `.audio` chunks, one `.end`. Audio is 8000 Hz; with both
/// tracks it is stereo, channel 0 the advisor (`outbound`) and channel 1 the customer (`inbound`);
/// with one track it is mono. Frames are placed by `media.timestamp` (position = timestamp × 8
/// samples), reordered and aligned by `TwilioTrackAligner` (see its release rule): audio is
/// released as soon as every track has it, and a track's missing stretch becomes silence once it
/// is more than `jitterMilliseconds` behind the furthest data received.
///
/// Authentication: Twilio cannot put a token in the `<Stream url>` or a header, so a stream whose
/// WebSocket upgrade carried no credential is created with `.ingestToken(tokens)`: its `start`
/// must then carry an ingest token as `customParameters.token` (`<Parameter name="token" …/>`),
/// checked before anything else in the `start`; until that `start`, only `connected` may come.
/// Anything else (no token, a wrong one, media first) is fatal, and `refusedUnauthenticated` says
/// so. No audio is released before the `start` is accepted.
///
/// Errors: a bad `start`, a second `start`, `media` or `stop` before `start`, and any message
/// after a fatal error are fatal. Anything else wrong (malformed JSON, a malformed `media`, an
/// unknown event or track, a frame too far ahead, oversized messages) is non-fatal: the message
/// is ignored and counted in `messagesIgnored`. `connected`, `mark` and `dtmf` are ignored.
public struct TwilioStream: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// How long a late or missing frame is waited for, in audio time after later data has
        /// arrived, before its stretch is filled with silence (ms, ≥ 0).
        public var jitterMilliseconds: Int
        /// How far past the audio already released a frame may start (ms). Further ahead it is a
        /// non-fatal error: accepting it would fill everything up to it with silence at once.
        public var maximumLeadMilliseconds: Int
        /// Longest frame accepted (ms of audio; Twilio sends 20 ms). Bounds a message's payload.
        public var maximumFrameMilliseconds: Int
        /// Largest text message parsed (UTF-8 bytes); larger ones are ignored unread.
        public var maximumMessageByteCount: Int

        public init(
            jitterMilliseconds: Int = 200, maximumLeadMilliseconds: Int = 10_000, maximumFrameMilliseconds: Int = 1_000,
            maximumMessageByteCount: Int = 65_536
        ) {
            self.jitterMilliseconds = jitterMilliseconds
            self.maximumLeadMilliseconds = maximumLeadMilliseconds
            self.maximumFrameMilliseconds = maximumFrameMilliseconds
            self.maximumMessageByteCount = maximumMessageByteCount
        }

        public static let `default` = Configuration()
    }

    /// What authenticates the stream.
    public enum Authorization: Sendable {
        /// The WebSocket upgrade did (an ingest token, or a valid `X-Twilio-Signature`): a
        /// `customParameters.token` is not needed, and not looked at.
        case upgrade
        /// Nothing yet: `start.customParameters.token` must be one of these tokens with the
        /// ingest role (constant-time lookup), and only `connected` may come before that `start`.
        case ingestToken(AccessTokens)
    }

    /// Twilio's only format: μ-law at this rate (Hz), one byte per sample.
    public static let sampleRateHz = 8000
    /// Samples per millisecond at `sampleRateHz`.
    static let samplesPerMillisecond = sampleRateHz / 1000
    /// Latest `media.timestamp` accepted (ms): 24 hours. Keeps positions far from overflow.
    public static let maximumTimestampMilliseconds = 24 * 3_600_000
    /// Longest `callId`, `agentId`, `team`, `streamSid` or `callSid` accepted (characters).
    public static let maximumIdentifierLength = 256

    public let configuration: Configuration
    public let authorization: Authorization
    /// Whether the stream was refused for its authentication (no token, a wrong one, or a message
    /// other than `connected` before an authenticated `start`): the fatal `failure` says why.
    public private(set) var refusedUnauthenticated = false
    /// The stream's id (`MZ…`) from `start`; nil before it.
    public private(set) var streamSid: String?
    /// The call's id (`CA…`) from `start`; nil before it.
    public private(set) var callSid: String?
    /// The call as announced by `start`; nil before it.
    public private(set) var setup: LiveCallSetup?
    /// The tracks of the stream in channel order (`[.outbound, .inbound]` for stereo); empty
    /// before `start`.
    public private(set) var channelTracks: [TwilioTrack] = []
    /// Messages ignored because of a non-fatal error.
    public private(set) var messagesIgnored = 0
    private var aligner: TwilioTrackAligner?
    private var hasEnded = false
    /// The fatal error that ended the stream, if any.
    public private(set) var failure: IngestError?

    public init(configuration: Configuration = .default, authorization: Authorization = .upgrade) {
        self.configuration = configuration
        self.authorization = authorization
    }

    /// Whether the `start` must still authenticate the stream (see `Authorization.ingestToken`).
    private var awaitsAuthenticatedStart: Bool {
        guard case .ingestToken = authorization else { return false }
        return setup == nil
    }

    // MARK: Counters

    /// What happened to the `inbound` (customer) track's frames; zeros if the stream lacks it.
    public var inbound: TwilioTrackCounters { counters(for: .inbound) }
    /// What happened to the `outbound` (advisor) track's frames; zeros if the stream lacks it.
    public var outbound: TwilioTrackCounters { counters(for: .outbound) }
    /// Frames dropped on all tracks because their stretch had already been released.
    public var lateFramesDropped: Int { allCounters.reduce(0) { $0 + $1.lateFramesDropped } }
    /// Repeated frames (same track and chunk) ignored on all tracks.
    public var duplicateFrames: Int { allCounters.reduce(0) { $0 + $1.duplicateFrames } }
    /// Frames rejected on all tracks for starting more than `maximumLeadMilliseconds` ahead.
    public var framesTooFarAhead: Int { allCounters.reduce(0) { $0 + $1.framesTooFarAhead } }
    /// Sample frames released so far (each `channelTracks.count` samples).
    public var emittedSampleCount: Int { aligner?.emittedSampleCount ?? 0 }

    public func counters(for track: TwilioTrack) -> TwilioTrackCounters {
        guard let aligner, let channel = channelTracks.firstIndex(of: track) else { return TwilioTrackCounters() }
        return aligner.counters[channel]
    }

    private var allCounters: [TwilioTrackCounters] { aligner?.counters ?? [] }

    // MARK: Messages

    /// Handles one text message.
    /// - Returns: the events it completes (often none, e.g. while a frame is awaited).
    /// - Throws: `IngestError`; when not fatal the message was ignored and the stream goes on.
    public mutating func receive(text: String) throws(IngestError) -> [IngestEvent] {
        if failure != nil { throw IngestError(reason: "twilio: message after a fatal error", isFatal: true) }
        let byteCount = text.utf8.count
        if awaitsAuthenticatedStart { return try receiveBeforeAuthenticatedStart(text, byteCount: byteCount) }
        guard byteCount <= configuration.maximumMessageByteCount else {
            throw ignore("twilio: message of \(byteCount) bytes exceeds \(configuration.maximumMessageByteCount)")
        }
        // The plain media messages Twilio sends are read without JSONDecoder (the same result).
        if let message = TwilioMediaReader.media(text) { return try media(message) }
        let data = Data(text.utf8)
        let decoder = JSONDecoder()
        let event: String
        do {
            event = try decoder.decode(TwilioEnvelope.self, from: data).event
        } catch {
            throw ignore("twilio: not a JSON object with an 'event' (\(Self.describe(error)))")
        }
        switch event {
        case "connected", "mark", "dtmf":
            return []
        case "start":
            return try start(data, decoder: decoder)
        case "media":
            return try media(data, decoder: decoder)
        case "stop":
            return try stop()
        default:
            throw ignore("twilio: unknown event '\(event.prefix(32))'")
        }
    }

    /// Before the `start` that authenticates the stream: Twilio sends `connected`, then `start`;
    /// anything else ends an unauthenticated stream.
    private mutating func receiveBeforeAuthenticatedStart(_ text: String, byteCount: Int) throws(IngestError) -> [IngestEvent] {
        let data = Data(text.utf8)
        let decoder = JSONDecoder()
        let event = byteCount <= configuration.maximumMessageByteCount ? try? decoder.decode(TwilioEnvelope.self, from: data).event : nil
        switch event {
        case "connected": return []
        case "start": return try start(data, decoder: decoder)
        default:
            let what = event.map { "'\($0.prefix(24))'" } ?? "a message"
            throw refuse("twilio: \(what) before a start with an ingest token (customParameters.token)")
        }
    }

    /// The socket closed without `stop` (or after a fatal error): releases what is held, silence
    /// filling every hole, then `.end`. Nothing if the stream never started or already ended.
    public mutating func finish() -> [IngestEvent] {
        guard setup != nil, !hasEnded else { return [] }
        return end()
    }

    private mutating func start(_ data: Data, decoder: JSONDecoder) throws(IngestError) -> [IngestEvent] {
        guard setup == nil else { throw fail("twilio: second start") }
        let message: TwilioStartMessage
        do {
            message = try decoder.decode(TwilioStartMessage.self, from: data)
        } catch {
            throw fail("twilio: invalid start (\(Self.describe(error)))")
        }
        let start = message.start
        if case .ingestToken(let tokens) = authorization {
            guard let token = Self.nonEmpty(start.customParameters["token"]) else {
                throw refuse("twilio: start.customParameters has no token (<Parameter name=\"token\" value=…/>)")
            }
            guard tokens.role(of: token)?.canIngest == true else { throw refuse("twilio: start.customParameters.token is not an ingest token") }
        }
        let format = start.mediaFormat
        guard format.encoding.lowercased() == "audio/x-mulaw" else {
            throw fail("twilio: unsupported encoding '\(format.encoding.prefix(32))' (only audio/x-mulaw)")
        }
        guard format.sampleRate == Self.sampleRateHz else {
            throw fail("twilio: unsupported sample rate \(format.sampleRate) Hz (only \(Self.sampleRateHz))")
        }
        guard format.channels == nil || format.channels == 1 else {
            throw fail("twilio: unsupported channel count \(format.channels ?? 0) (only 1 per track)")
        }
        var tracks = Set<TwilioTrack>()
        for name in start.tracks {
            guard let track = TwilioTrack(rawValue: name) else { throw fail("twilio: unknown track '\(name.prefix(32))' in start") }
            tracks.insert(track)
        }
        let layout: ChannelLayout
        switch (tracks.contains(.outbound), tracks.contains(.inbound)) {
        case (true, true):
            layout = .stereo(advisorChannel: 0)
            channelTracks = [.outbound, .inbound]
        case (false, true):
            layout = .mono(party: .customer)
            channelTracks = [.inbound]
        case (true, false):
            layout = .mono(party: .advisor)
            channelTracks = [.outbound]
        case (false, false):
            throw fail("twilio: start lists no track")
        }
        guard let streamSid = Self.nonEmpty(start.streamSid) ?? Self.nonEmpty(message.streamSid) else {
            throw fail("twilio: start without streamSid")
        }
        guard let callSid = Self.nonEmpty(start.callSid) else { throw fail("twilio: start without callSid") }
        let callId = Self.nonEmpty(start.customParameters["callId"]) ?? callSid
        let agentId = Self.nonEmpty(start.customParameters["agentId"])
        let team = Self.nonEmpty(start.customParameters["team"])
        for (name, value) in [("streamSid", streamSid), ("callSid", callSid), ("callId", callId), ("agentId", agentId ?? ""), ("team", team ?? "")]
        where value.count > Self.maximumIdentifierLength {
            throw fail("twilio: \(name) longer than \(Self.maximumIdentifierLength) characters")
        }
        let setup = LiveCallSetup(callId: callId, agentId: agentId, team: team, layout: layout, sampleRateHz: Self.sampleRateHz)
        self.streamSid = streamSid
        self.callSid = callSid
        self.setup = setup
        aligner = TwilioTrackAligner(
            channelCount: channelTracks.count,
            configuration: TwilioTrackAligner.Configuration(
                jitterSampleCount: Self.samples(milliseconds: configuration.jitterMilliseconds),
                maximumLeadSampleCount: Self.samples(milliseconds: configuration.maximumLeadMilliseconds)))
        return [.start(setup)]
    }

    private mutating func media(_ data: Data, decoder: JSONDecoder) throws(IngestError) -> [IngestEvent] {
        // Before the message is decoded: media out of place is refused for that, not for its form.
        _ = try alignerForMedia()
        let message: TwilioMediaMessage
        do {
            message = try decoder.decode(TwilioMediaMessage.self, from: data)
        } catch {
            throw ignore("twilio: invalid media (\(Self.describe(error)))")
        }
        return try media(message)
    }

    /// The aligner media goes to; media is taken only between `start` and `stop`.
    private mutating func alignerForMedia() throws(IngestError) -> TwilioTrackAligner {
        guard let aligner else { throw fail("twilio: media before start") }
        guard !hasEnded else { throw ignore("twilio: media after stop") }
        return aligner
    }

    private mutating func media(_ message: TwilioMediaMessage) throws(IngestError) -> [IngestEvent] {
        var aligner = try alignerForMedia()
        if let sid = message.streamSid, sid != streamSid { throw ignore("twilio: media for another streamSid") }
        let media = message.media
        guard let track = TwilioTrack(rawValue: media.track) else { throw ignore("twilio: unknown track '\(media.track.prefix(32))'") }
        guard let channel = channelTracks.firstIndex(of: track) else { throw ignore("twilio: media on track \(track.rawValue), not in start") }
        guard let chunk = Int(media.chunk), chunk >= 0 else { throw ignore("twilio: invalid chunk '\(media.chunk.prefix(32))'") }
        guard let timestamp = Int(media.timestamp), (0...Self.maximumTimestampMilliseconds).contains(timestamp) else {
            throw ignore("twilio: invalid timestamp '\(media.timestamp.prefix(32))' (0 … \(Self.maximumTimestampMilliseconds) ms)")
        }
        let maximumByteCount = Self.samples(milliseconds: configuration.maximumFrameMilliseconds)
        let maximumBase64Length = (maximumByteCount + 2) / 3 * 4
        guard !media.payload.isEmpty else { throw ignore("twilio: empty payload") }
        guard media.payload.utf8.count <= maximumBase64Length else {
            throw ignore("twilio: payload longer than \(configuration.maximumFrameMilliseconds) ms")
        }
        guard let bytes = Data(base64Encoded: media.payload), !bytes.isEmpty else { throw ignore("twilio: payload is not base64") }
        guard bytes.count <= maximumByteCount else {
            throw ignore("twilio: payload longer than \(configuration.maximumFrameMilliseconds) ms")
        }
        var samples: [Float] = []
        G711.decodeMuLaw(bytes, into: &samples)
        let startSample = timestamp * Self.samplesPerMillisecond

        self.aligner = nil  // keeps `aligner` uniquely referenced while it changes
        defer { self.aligner = aligner }
        switch aligner.insert(channel: channel, chunk: chunk, startSample: startSample, samples: samples) {
        case .accepted:
            let ready = aligner.takeReady()
            return ready.isEmpty ? [] : [.audio(ready)]
        case .duplicate, .late:
            return []
        case .tooFarAhead:
            let leadMilliseconds = (startSample - aligner.emittedSampleCount) / Self.samplesPerMillisecond
            messagesIgnored += 1
            throw IngestError(
                reason: "twilio: \(track.rawValue) chunk \(chunk) starts \(leadMilliseconds) ms ahead of the audio released "
                    + "(limit \(configuration.maximumLeadMilliseconds) ms)",
                isFatal: false)
        }
    }

    private mutating func stop() throws(IngestError) -> [IngestEvent] {
        guard setup != nil else { throw fail("twilio: stop before start") }
        guard !hasEnded else { return [] }
        return end()
    }

    private mutating func end() -> [IngestEvent] {
        hasEnded = true
        let rest = aligner?.flush() ?? []
        return rest.isEmpty ? [.end] : [.audio(rest), .end]
    }

    // MARK: Helpers

    /// Counts a non-fatal error and returns it.
    private mutating func ignore(_ reason: String) -> IngestError {
        messagesIgnored += 1
        return IngestError(reason: reason, isFatal: false)
    }

    /// Records a fatal error (every later message is refused) and returns it.
    private mutating func fail(_ reason: String) -> IngestError {
        let error = IngestError(reason: reason, isFatal: true)
        failure = error
        return error
    }

    /// Records a fatal authentication failure (never naming the token) and returns it.
    private mutating func refuse(_ reason: String) -> IngestError {
        refusedUnauthenticated = true
        return fail(reason)
    }

    private static func samples(milliseconds: Int) -> Int {
        min(max(0, milliseconds), maximumTimestampMilliseconds) * samplesPerMillisecond
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    /// Which field a decoding error is about (its path), never the message's content.
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "unreadable" }
        func path(_ context: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (last.map { [$0] } ?? [])
            return keys.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing '\(path(context, key))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "invalid '\(path(context))'"
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "not JSON" : "invalid '\(path(context))'"
        @unknown default: return "unreadable"
        }
    }
}
