import AttuneDSP
import AttunePipeline

/// What the server does after one WebSocket message: replies to send (in order), ingest events
/// for the live call, and whether to close the socket once the replies are out.
public struct AudioHookStep: Sendable, Equatable {
    /// JSON text messages to send, in order.
    public var replies: [String] = []
    /// Events for the live call, in order.
    public var events: [IngestEvent] = []
    /// Close the WebSocket after sending `replies`, with this reason (for the log); nil = keep it
    /// open.
    public var closeReason: String?
    /// The protocol violation this message was, if any (`reply` is the `disconnect` sent). Fatal
    /// errors end the session: the server has sent `disconnect` and, as the reference
    /// implementation does, waits for the client's `close` (answered with `closed`, then
    /// `closeReason`). If none comes within `Configuration.disconnectGraceSeconds`, close anyway.
    public var error: IngestError?
    /// Things worth a log line that need no action (a client `error` message, a message ignored in
    /// the current state). Never audio, never a credential.
    public var notes: [String] = []

    public init() {}

    /// Whether the server has sent `disconnect` and now waits for the client's `close`.
    public var awaitsClientClose: Bool { error?.isFatal == true && closeReason == nil }
}

/// The server side of one Genesys Cloud AudioHook (protocol v2) session: turns the client's text
/// and binary messages into replies and ingest events. Pure: no I/O, no clock.
///
/// Lifecycle: `open` → `opened` (and `.start`), binary audio (→ `.audio`), `paused`/`resumed`,
/// `ping` → `pong`, `close` → `closed` (and `.end`), then the socket closes. A protocol violation
/// gets `disconnect` (reason `error`), after which only `close` (→ `closed`) and `ping` are answered.
/// A call the server cannot take (`refuse(info:)`, e.g. its conversation is already live) is
/// refused at `open`: `disconnect` instead of `opened`, then the client's `close` → `closed`.
/// When the client asked for them (`customConfig.attuneEvents`), the call's alerts go to it as
/// `event` messages (`events(for:)`).
public struct AudioHookSession: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Largest binary (audio) message accepted (bytes). Default 131 072 (4 s of stereo L16).
        public var maximumBinaryBytes = 131_072
        /// Largest text message accepted (UTF-8 bytes). Default 65 535, as the reference.
        public var maximumTextBytes = 65_535
        /// The `Audiohook-Session-Id` upgrade header, if known: every message's `id` must equal it.
        /// nil = the first message's `id` becomes the session id.
        public var sessionId: String?
        /// The `Audiohook-Organization-Id` upgrade header, if known: `open.parameters.organizationId`
        /// must equal it, or the session is refused with `disconnect` reason `unauthorized`.
        public var organizationId: String?
        /// How long the server should wait for the client's `close` after sending `disconnect`
        /// before closing the socket itself (s). The session reads no clock: its driver does this.
        public var disconnectGraceSeconds = 5.0

        public init(sessionId: String? = nil, organizationId: String? = nil) {
            self.sessionId = sessionId
            self.organizationId = organizationId
        }
    }

    /// Where the session is in its lifecycle.
    public enum State: Sendable, Equatable {
        /// Waiting for `open`.
        case awaitingOpen
        /// Opened; audio is analysed.
        case active
        /// The client paused the stream; audio is dropped.
        case paused
        /// The server sent `disconnect`; waiting for the client's `close`.
        case disconnecting
        /// `closed` was sent; the socket closes.
        case closed
    }

    public let configuration: Configuration
    public private(set) var state = State.awaitingOpen
    /// The session id: the configured one, else the first message's, else the nil UUID.
    public private(set) var sessionId: String
    /// The media entry chosen in `opened`, once open.
    public private(set) var media: AudioHookMedia?
    /// What `.start` announced, once open.
    public private(set) var setup: LiveCallSetup?
    /// The last client `seq` accepted (0 before the first message).
    public private(set) var clientSeq = 0
    /// The last server `seq` sent (0 before the first reply).
    public private(set) var serverSeq = 0
    /// `position` of the latest accepted client message (s).
    public private(set) var clientPositionSeconds: Double?
    /// Whether the client asked for the call's alerts as `event` messages
    /// (`open.parameters.customConfig.attuneEvents` is `true`; see `AudioHookOpenParameters.eventsRequested`).
    public private(set) var sendsAlertEvents = false
    /// The server `seq` before `opened`, while the step that sent it is the latest: `refuse(info:)`
    /// then withdraws that `opened` (its caller sends the refusal instead of that step's replies).
    private var serverSeqBeforeOpened: Int?

    // Counters.
    /// Bytes of every binary message received, analysed or not.
    public private(set) var audioBytesReceived = 0
    /// Sample frames (one sample of every channel) emitted as `.audio`.
    public private(set) var audioSampleFramesAnalysed = 0
    /// Binary messages dropped because the stream was paused.
    public private(set) var binaryMessagesDroppedWhilePaused = 0
    /// Audio the client reports it discarded (`discarded`, `resumed` parameters) (s).
    public private(set) var discardedSeconds = 0.0
    /// Accepted (well-formed, in sequence) client messages by type.
    public private(set) var messageCounts: [AudioHookClientMessageType: Int] = [:]

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.sessionId = configuration.sessionId ?? AudioHookFormatCheck.nullUUID
    }

    /// Seconds of analysed audio (sample frames ÷ rate).
    public var audioSecondsAnalysed: Double {
        Double(audioSampleFramesAnalysed) / Double(media?.rate ?? 8000)
    }

    // MARK: - Text

    /// Handles one text message. Checks in the reference's order: size, JSON, envelope, `seq`
    /// (must be the last + 1), `serverseq` (not above the server's), session id, type and
    /// parameters; then acts on the message in the current state.
    public mutating func receive(text: String) -> AudioHookStep {
        serverSeqBeforeOpened = nil
        var step = AudioHookStep()
        if state == .closed {
            step.notes.append("text message after 'closed' ignored")
            return step
        }
        let size = text.utf8.count
        if size > configuration.maximumTextBytes {
            return clientError("Text message too large (>\(configuration.maximumTextBytes) bytes). Length: \(size)")
        }
        let message: AudioHookClientMessage
        switch AudioHookClientMessage.parse(text) {
        case .success(let parsed): message = parsed
        case .failure(.notJSON): return clientError("Text message not valid JSON")
        case .failure(.malformed(let detail)): return clientError("Message not a well-formed client message (\(detail))")
        }
        if state == .disconnecting {
            // Only `close` and `ping` matter now, and a `seq` gap that caused the `disconnect` must
            // not make the client's `close` fail too: resynchronise instead of checking (the
            // reference checks and stays silent, leaving the session hanging).
            clientSeq = message.seq
            clientPositionSeconds = message.positionSeconds
            guard let type = AudioHookClientMessageType(rawValue: message.type), type == .close || type == .ping else {
                step.notes.append("'\(Self.printable(message.type))' after 'disconnect' ignored")
                return step
            }
            messageCounts[type, default: 0] += 1
            return handle(type, message)
        }
        guard message.seq == clientSeq + 1 else {
            return clientError("Invalid seq value (not monotonically increasing): expected \(clientSeq + 1), got \(message.seq)")
        }
        clientSeq = message.seq
        guard message.serverseq <= serverSeq else {
            return clientError("Invalid serverseq value: \(message.serverseq) > \(serverSeq)")
        }
        if message.id != sessionId {
            if sessionId == AudioHookFormatCheck.nullUUID {
                sessionId = message.id
            } else {
                return clientError("Session identifier mismatch")
            }
        }
        clientPositionSeconds = message.positionSeconds
        guard let type = AudioHookClientMessageType(rawValue: message.type) else {
            return clientError("Invalid Message: '\(Self.printable(message.type))' is not a supported client message")
        }
        guard Self.parametersAreValid(type, message.parameters) else {
            return clientError("Invalid Message: Invalid/missing parameters ('\(type.rawValue)')")
        }
        messageCounts[type, default: 0] += 1
        return handle(type, message)
    }

    private mutating func handle(_ type: AudioHookClientMessageType, _ message: AudioHookClientMessage) -> AudioHookStep {
        var step = AudioHookStep()
        switch (type, state) {
        case (_, .closed):
            step.notes.append("'\(type.rawValue)' after 'closed' ignored")

        case (.close, _):
            // Any state (as the reference): the client always ends the session.
            let reason = message.parameters["reason"]?.stringValue ?? "end"
            let wasStreaming = state == .active || state == .paused
            let afterDisconnect = state == .disconnecting
            step.replies.append(send("closed", AudioHookEmptyParameters()))
            if wasStreaming { step.events.append(.end) }
            step.closeReason = afterDisconnect ? "closed by client after disconnect (reason: \(reason))" : "closed by client (reason: \(reason))"
            state = .closed

        case (.open, .awaitingOpen):
            return open(message.parameters)

        case (_, .awaitingOpen):
            return clientError("Unexpected '\(type.rawValue)' message before 'open'")

        case (.ping, _):
            step.replies.append(send("pong", AudioHookEmptyParameters()))

        case (_, .disconnecting):
            step.notes.append("'\(type.rawValue)' after 'disconnect' ignored")

        case (.open, _):
            return clientError("Unexpected 'open' message (session already open)")

        case (.paused, _):
            if state == .paused { step.notes.append("'paused' while already paused ignored") }
            state = .paused

        case (.resumed, .paused):
            discardedSeconds += Self.seconds(message.parameters["discarded"])
            state = .active

        case (.resumed, _):
            // Not paused (e.g. the client's answer to a `resume` when its stream was never
            // paused): as the reference, nothing to do. `resumed` is a client message only: the
            // protocol has no server answer to it, and it is no error; audio goes on being analysed.
            step.notes.append("'resumed' while not paused: nothing to resume")

        case (.discarded, _):
            discardedSeconds += Self.seconds(message.parameters["discarded"])

        case (.update, _):
            break

        case (.error, _):
            let code = message.parameters["code"]?.sequenceNumber ?? 0
            let text = Self.printable(message.parameters["message"]?.stringValue ?? "")
            step.notes.append("client error \(code): \(text)")
        }
        return step
    }

    private mutating func open(_ parameters: [String: AudioHookJSON]) -> AudioHookStep {
        guard let open = AudioHookOpenParameters(parameters) else {
            return clientError("Invalid Message: Invalid/missing parameters ('open')")
        }
        if let organizationId = configuration.organizationId, organizationId != open.organizationId {
            return disconnect(
                reason: "unauthorized",
                info: "Mismatch between \"organizationId\" open parameter and \"audiohook-organization-id\" header field")
        }
        guard let chosen = Self.chooseMedia(open.media), let advisorChannel = chosen.channels.firstIndex(of: .internal) else {
            return disconnect(
                reason: "error",
                info: "No acceptable media offered: need stereo [\"external\",\"internal\"] PCMU or L16 at 8000 Hz")
        }
        let setup = LiveCallSetup(
            callId: open.conversationId, agentId: open.agentId, team: open.team,
            layout: .stereo(advisorChannel: advisorChannel), sampleRateHz: chosen.rate)
        media = chosen
        self.setup = setup
        sendsAlertEvents = open.eventsRequested
        state = .active
        serverSeqBeforeOpened = serverSeq
        var step = AudioHookStep()
        step.replies.append(send("opened", AudioHookOpenedParameters(
            media: [chosen], startPaused: false, supportedLanguages: open.supportedLanguages ? [] : nil)))
        step.events.append(.start(setup))
        if open.invalidMediaCount > 0 { step.notes.append("\(open.invalidMediaCount) invalid media offer(s) ignored") }
        return step
    }

    /// The stereo entry (`external` and `internal`, either order) at 8000 Hz, PCMU before L16, the
    /// first offered of equals.
    static func chooseMedia(_ offered: [AudioHookMedia]) -> AudioHookMedia? {
        let stereo = offered.filter { $0.rate == 8000 && Set($0.channels) == [.external, .internal] && $0.channels.count == 2 }
        return stereo.first { $0.format == .pcmu } ?? stereo.first { $0.format == .l16 }
    }

    /// The reference's per-type parameter checks (`isClientMessage`); `open` is checked when handled.
    static func parametersAreValid(_ type: AudioHookClientMessageType, _ parameters: [String: AudioHookJSON]) -> Bool {
        func isDuration(_ key: String, optional: Bool = false) -> Bool {
            guard let value = parameters[key] else { return optional }
            return value.stringValue.flatMap(AudioHookDuration.parseISODuration) != nil
        }
        switch type {
        case .open, .paused:
            return true
        case .ping:
            return isDuration("rtt", optional: true)
        case .close:
            return ["end", "error", "disconnect", "reconnect"].contains(parameters["reason"]?.stringValue ?? "")
        case .discarded, .resumed:
            return isDuration("start") && isDuration("discarded")
        case .update:
            return parameters["language"]?.stringValue.map(AudioHookFormatCheck.isLanguageCode) ?? false
        case .error:
            guard let code = parameters["code"]?.sequenceNumber, (400..<10_000).contains(code),
                  parameters["message"]?.stringValue != nil
            else { return false }
            return isDuration("retryAfter", optional: true)
        }
    }

    // MARK: - Binary

    /// Handles one binary message: interleaved audio in the chosen media's channel order. Emits
    /// `.audio` while active; drops (and counts) it while paused; refuses it before `opened`.
    public mutating func receive(binary: [UInt8]) -> AudioHookStep {
        serverSeqBeforeOpened = nil
        audioBytesReceived += binary.count
        switch state {
        case .awaitingOpen:
            return clientError("Received audio before 'opened'")
        case .disconnecting, .closed:
            var step = AudioHookStep()
            step.notes.append("audio after disconnect/close ignored")
            return step
        case .paused:
            binaryMessagesDroppedWhilePaused += 1
            return AudioHookStep()
        case .active:
            break
        }
        guard let media else { return clientError("Unexpected binary message: No media selected") }
        if binary.count > configuration.maximumBinaryBytes {
            return clientError("Binary message too large (>\(configuration.maximumBinaryBytes) bytes). Length: \(binary.count)")
        }
        let frameBytes = media.bytesPerSampleFrame
        guard binary.count % frameBytes == 0 else {
            return clientError(
                "Binary data not a valid audio frame. Error: Audio data size must be multiple of bytes per sample (\(frameBytes)), got \(binary.count)")
        }
        var step = AudioHookStep()
        guard !binary.isEmpty else { return step }
        var samples: [Float] = []
        switch media.format {
        case .pcmu: G711.decodeMuLaw(binary, into: &samples)
        case .l16: G711.decodeL16(binary, into: &samples)
        }
        audioSampleFramesAnalysed += binary.count / frameBytes
        step.events.append(.audio(samples))
        return step
    }

    /// The server refuses the call that the latest step's `.start` announced (e.g. its conversation
    /// is already live). AudioHook has no negative answer to `open` other than `disconnect`: the
    /// `opened` of that step is withdrawn (the caller sends this step's replies *instead of* that
    /// step's, so the client never sees `opened`), `disconnect` reason `error` with `info` takes its
    /// `seq`, and the client's `close` is then awaited and answered `closed`, as after any
    /// violation (the reference does the same when an open handler fails). Called later (not right
    /// after the `open`), it is a `disconnect` after what was already sent.
    public mutating func refuse(info: String) -> AudioHookStep {
        if let seq = serverSeqBeforeOpened {
            serverSeqBeforeOpened = nil
            serverSeq = seq
            state = .awaitingOpen
            media = nil
            setup = nil
            sendsAlertEvents = false
        }
        return disconnect(reason: "error", info: info)
    }

    // MARK: - Events

    /// `event` messages for `alerts` of this session's call, one per alert, when the client asked
    /// for them (`sendsAlertEvents`) and the stream is open (active or paused); none otherwise.
    /// Each has the next server `seq` and the client's last `seq` as `clientseq`, and
    /// `parameters.entities` as the reference defines them (`[{type, data}]`): one entity of type
    /// `attune.alert` whose data is the alert (`cause`, `party` when it is one party's,
    /// `atSeconds` of the call, `message` as the desktop shows it).
    public mutating func events(for alerts: [LiveAlert]) -> [String] {
        guard sendsAlertEvents, state == .active || state == .paused else { return [] }
        if !alerts.isEmpty { serverSeqBeforeOpened = nil }
        return alerts.map { alert in
            send("event", AudioHookEventParameters(entities: [AudioHookAlertEntity(data: .init(
                cause: alert.cause.rawValue, party: alert.party?.rawValue, atSeconds: alert.atSeconds, message: alert.message))]))
        }
    }

    // MARK: - Replies

    /// Writes a server message, advancing the server's `seq`.
    private mutating func send<Parameters: Encodable>(_ type: String, _ parameters: Parameters) -> String {
        serverSeq += 1
        return AudioHookServerMessageWriter.write(AudioHookServerEnvelope(
            id: sessionId, type: type, seq: serverSeq, clientseq: clientSeq, parameters: parameters))
    }

    /// A client protocol violation: `disconnect` reason `error`, info "Client Error: …" (the
    /// reference's wording). Silent once a `disconnect` went out (as the reference).
    private mutating func clientError(_ info: String) -> AudioHookStep {
        disconnect(reason: "error", info: "Client Error: \(info)")
    }

    private mutating func disconnect(reason: String, info: String) -> AudioHookStep {
        var step = AudioHookStep()
        switch state {
        case .disconnecting, .closed:
            step.notes.append("suppressed after disconnect: \(info)")
        case .awaitingOpen, .active, .paused:
            let reply = send("disconnect", AudioHookDisconnectParameters(reason: reason, info: info))
            state = .disconnecting
            step.replies.append(reply)
            step.error = IngestError(reason: "AudioHook \(reason): \(info)", isFatal: true, reply: reply)
        }
        return step
    }

    private static func seconds(_ value: AudioHookJSON?) -> Double {
        value?.stringValue.flatMap(AudioHookDuration.parseISODuration) ?? 0
    }

    /// Client text for a log line or reply: at most 64 printable ASCII characters.
    private static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(64).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? $0 : "?" }))
    }
}
