import AttuneScoring
import AttuneCalibration
import AttuneDSP
import AttuneLive
import AttunePipeline
import FoundationEssentials
import Testing

/// Builds client messages and reads server replies for the AudioHook session tests.
private enum AH {
    static let sessionId = "30b0e395-84d3-4570-ac13-9a62d8f514c0"
    static let organizationId = "d7934305-0972-4844-938e-9060eef73d05"
    static let conversationId = "090eaa2f-72fa-480a-83e0-8667ff89c0ec"

    static func message(
        _ type: String, seq: Int, serverseq: Int = 0, position: String = "PT0S", parameters: String = "{}", id: String = sessionId
    ) -> String {
        #"{"version":"2","id":"\#(id)","type":"\#(type)","seq":\#(seq),"serverseq":\#(serverseq),"position":"\#(position)","parameters":\#(parameters)}"#
    }

    static func media(_ format: String, _ channels: [String], rate: Int = 8000) -> String {
        let list = channels.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"type":"audio","format":"\#(format)","channels":[\#(list)],"rate":\#(rate)}"#
    }

    /// Genesys's usual offer: stereo PCMU, then each leg alone.
    static let usualMedia = [
        media("PCMU", ["external", "internal"]), media("PCMU", ["external"]), media("PCMU", ["internal"]),
    ]

    static func openParameters(
        media: [String] = usualMedia, customConfig: String? = #"{"agentId":"agent-42","team":"billing"}"#,
        organizationId: String = organizationId, extra: String = ""
    ) -> String {
        var fields = [
            #""organizationId":"\#(organizationId)""#,
            #""conversationId":"\#(conversationId)""#,
            #""participant":{"id":"883efee8-3d6c-4537-b500-6d7ca4b92fa0","ani":"+15555550100","aniName":"Jo","dnis":"+15555550199"}"#,
            #""media":[\#(media.joined(separator: ","))]"#,
            #""language":"en-US""#,
        ]
        if let customConfig { fields.append(#""customConfig":\#(customConfig)"#) }
        if !extra.isEmpty { fields.append(extra) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func open(seq: Int = 1, media: [String] = usualMedia, customConfig: String? = #"{"agentId":"agent-42","team":"billing"}"#) -> String {
        message("open", seq: seq, parameters: openParameters(media: media, customConfig: customConfig))
    }

    /// A session after a successful `open` (seq 1) with `media`.
    static func opened(media: [String] = usualMedia, configuration: AudioHookSession.Configuration = .init()) -> AudioHookSession {
        var session = AudioHookSession(configuration: configuration)
        let step = session.receive(text: open(media: media))
        precondition(step.error == nil && step.replies.count == 1, "open failed: \(step)")
        return session
    }

    static func json(_ text: String) -> [String: AudioHookJSON] {
        guard case .object(let object)? = try? JSONDecoder().decode(AudioHookJSON.self, from: Data(text.utf8)) else {
            Issue.record("reply is not a JSON object: \(text)")
            return [:]
        }
        return object
    }

    static func parameters(_ reply: [String: AudioHookJSON]) -> [String: AudioHookJSON] {
        if case .object(let object)? = reply["parameters"] { object } else { [:] }
    }

    /// `parameters.info` of a reply ("" if absent).
    static func info(_ reply: [String: AudioHookJSON]) -> String {
        if case .string(let text)? = parameters(reply)["info"] { text } else { "" }
    }

    static func muLaw(_ bytes: [UInt8]) -> [Float] { bytes.map { Float(G711.decodeMuLaw($0)) / 32768 } }
}

@Suite struct AudioHookSessionTests {
    // MARK: Happy path

    @Test func happyPathOpenPingAudioPauseResumeClose() throws {
        var session = AudioHookSession(configuration: .init())

        // open → opened + .start
        let open = session.receive(text: AH.open())
        #expect(open.error == nil && open.closeReason == nil)
        #expect(open.replies == [
            #"{"clientseq":1,"id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","parameters":{"media":[{"channels":["external","internal"],"format":"PCMU","rate":8000,"type":"audio"}],"startPaused":false},"seq":1,"type":"opened","version":"2"}"#,
        ])
        let expectedSetup = LiveCallSetup(
            callId: AH.conversationId, agentId: "agent-42", team: "billing", layout: .stereo(advisorChannel: 1), sampleRateHz: 8000)
        #expect(open.events == [.start(expectedSetup)])
        #expect(session.state == .active)
        #expect(session.media == AudioHookMedia(format: .pcmu, channels: [.external, .internal]))
        #expect(session.setup == expectedSetup)

        // ping → pong (empty parameters), server seq 2, clientseq 2
        let ping = session.receive(text: AH.message("ping", seq: 2, serverseq: 1, position: "PT0.2S", parameters: #"{"rtt":"PT0.05S"}"#))
        #expect(ping.replies == [#"{"clientseq":2,"id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","parameters":{},"seq":2,"type":"pong","version":"2"}"#])
        #expect(ping.events.isEmpty && ping.error == nil)
        #expect(session.clientPositionSeconds == 0.2)

        // Audio: external, internal interleaved, decoded as G.711 μ-law in the same order.
        let bytes: [UInt8] = [0x00, 0xFF, 0x80, 0x7F, 0x10, 0xEF, 0x35, 0xB2]
        let audio = session.receive(binary: bytes)
        #expect(audio.replies.isEmpty && audio.error == nil)
        #expect(audio.events == [.audio(AH.muLaw(bytes))])
        // The first sample frame: customer (external) -32124, advisor (internal) 0.
        #expect(AH.muLaw(bytes)[0] == -32124 / 32768 && AH.muLaw(bytes)[1] == 0)

        // paused: audio dropped and counted.
        let paused = session.receive(text: AH.message("paused", seq: 3, serverseq: 2, position: "PT1S"))
        #expect(paused.replies.isEmpty && paused.events.isEmpty && paused.error == nil)
        #expect(session.state == .paused)
        let droppedAudio = session.receive(binary: [0x12, 0x34, 0x56, 0x78])
        #expect(droppedAudio.events.isEmpty && droppedAudio.replies.isEmpty && droppedAudio.error == nil)
        #expect(session.binaryMessagesDroppedWhilePaused == 1)

        // resumed: analysed again.
        let resumed = session.receive(text: AH.message("resumed", seq: 4, serverseq: 2, position: "PT3S", parameters: #"{"start":"PT1S","discarded":"PT2S"}"#))
        #expect(resumed.replies.isEmpty && resumed.error == nil)
        #expect(session.state == .active)
        #expect(session.discardedSeconds == 2)
        let more = session.receive(binary: [0xAA, 0xBB])
        #expect(more.events == [.audio(AH.muLaw([0xAA, 0xBB]))])

        // close → closed + .end + close the socket.
        let close = session.receive(text: AH.message("close", seq: 5, serverseq: 2, position: "PT3.5S", parameters: #"{"reason":"end"}"#))
        #expect(close.replies == [#"{"clientseq":5,"id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","parameters":{},"seq":3,"type":"closed","version":"2"}"#])
        #expect(close.events == [.end])
        #expect(close.closeReason != nil && close.error == nil && !close.awaitsClientClose)
        #expect(session.state == .closed)

        // Counters.
        #expect(session.audioBytesReceived == 8 + 4 + 2)
        #expect(session.audioSampleFramesAnalysed == 5)
        #expect(session.audioSecondsAnalysed == 5.0 / 8000)
        #expect(session.messageCounts == [.open: 1, .ping: 1, .paused: 1, .resumed: 1, .close: 1])
        #expect(session.clientPositionSeconds == 3.5)
        #expect(session.clientSeq == 5 && session.serverSeq == 3)

        // Nothing more after closed.
        let late = session.receive(text: AH.message("ping", seq: 6))
        #expect(late.replies.isEmpty && late.events.isEmpty && late.error == nil)
        #expect(session.receive(binary: [0, 0]).events.isEmpty)
    }

    @Test func updateDiscardedAndClientErrorAreAcceptedAndCounted() {
        var session = AH.opened()
        let update = session.receive(text: AH.message("update", seq: 2, parameters: #"{"language":"fr-FR"}"#))
        let discarded = session.receive(text: AH.message("discarded", seq: 3, parameters: #"{"start":"PT5S","discarded":"PT0.25S"}"#))
        let error = session.receive(text: AH.message("error", seq: 4, parameters: #"{"code":429,"message":"slow down","retryAfter":"PT1S"}"#))
        for step in [update, discarded, error] {
            #expect(step.replies.isEmpty && step.events.isEmpty && step.error == nil && step.closeReason == nil)
        }
        #expect(error.notes.contains { $0.contains("429") && $0.contains("slow down") })
        #expect(session.discardedSeconds == 0.25)
        #expect(session.messageCounts[.update] == 1 && session.messageCounts[.discarded] == 1 && session.messageCounts[.error] == 1)
        #expect(session.state == .active)
    }

    @Test func agentAndTeamOnlyFromCustomConfigStrings() {
        var none = AudioHookSession()
        #expect(none.receive(text: AH.open(customConfig: nil)).events == [
            .start(LiveCallSetup(callId: AH.conversationId, agentId: nil, team: nil, layout: .stereo(advisorChannel: 1), sampleRateHz: 8000)),
        ])
        var numbers = AudioHookSession()
        #expect(numbers.receive(text: AH.open(customConfig: #"{"agentId":42,"team":"ops"}"#)).events == [
            .start(LiveCallSetup(callId: AH.conversationId, agentId: nil, team: "ops", layout: .stereo(advisorChannel: 1), sampleRateHz: 8000)),
        ])
    }

    @Test func closeReasonsAllAccepted() {
        for reason in ["end", "error", "disconnect", "reconnect"] {
            var session = AH.opened()
            let step = session.receive(text: AH.message("close", seq: 2, parameters: #"{"reason":"\#(reason)"}"#))
            #expect(AH.json(step.replies.first ?? "")["type"] == .string("closed"), "\(reason)")
            #expect(step.events == [.end] && step.closeReason?.contains(reason) == true)
        }
    }

    // MARK: Channel order and formats

    @Test func internalFirstGivesAdvisorChannelZeroAndKeepsOrder() {
        var session = AudioHookSession()
        let open = session.receive(text: AH.open(media: [AH.media("PCMU", ["internal", "external"])]))
        guard case .start(let setup)? = open.events.first else {
            Issue.record("no start")
            return
        }
        #expect(setup.layout == .stereo(advisorChannel: 0))
        #expect(setup.layout.parties == [.advisor, .customer])
        let chosen = AH.parameters(AH.json(open.replies[0]))["media"]
        #expect(chosen == .array([.object([
            "type": .string("audio"), "format": .string("PCMU"), "channels": .array([.string("internal"), .string("external")]),
            "rate": .number(8000),
        ])]))
        // First byte of each frame is the advisor's (internal) sample.
        let audio = session.receive(binary: [0x80, 0x00])
        #expect(audio.events == [.audio([32124.0 / 32768, -32124.0 / 32768])])
    }

    @Test func externalFirstGivesAdvisorChannelOne() {
        var session = AudioHookSession()
        let open = session.receive(text: AH.open(media: [AH.media("PCMU", ["external", "internal"])]))
        #expect(open.events == [.start(LiveCallSetup(
            callId: AH.conversationId, agentId: "agent-42", team: "billing", layout: .stereo(advisorChannel: 1), sampleRateHz: 8000))])
        if case .start(let setup)? = open.events.first { #expect(setup.layout.parties == [.customer, .advisor]) }
    }

    @Test func l16PathDecodesLittleEndian() {
        var session = AudioHookSession()
        let open = session.receive(text: AH.open(media: [AH.media("PCMU", ["external"]), AH.media("L16", ["external", "internal"])]))
        #expect(open.error == nil)
        #expect(session.media == AudioHookMedia(format: .l16, channels: [.external, .internal]))
        #expect(AH.parameters(AH.json(open.replies[0]))["media"] == .array([.object([
            "type": .string("audio"), "format": .string("L16"), "channels": .array([.string("external"), .string("internal")]),
            "rate": .number(8000),
        ])]))
        // 0x4000 = 0.5 (external), 0xC000 = -0.5 (internal), 0x7FFF, 0x8000.
        let audio = session.receive(binary: [0x00, 0x40, 0x00, 0xC0, 0xFF, 0x7F, 0x00, 0x80])
        #expect(audio.events == [.audio([0.5, -0.5, 32767.0 / 32768, -1])])
        #expect(session.audioSampleFramesAnalysed == 2)
        // 6 bytes is not a whole number of 4-byte stereo L16 frames.
        let odd = session.receive(binary: [0, 0, 0, 0, 0, 0])
        #expect(odd.error?.isFatal == true && odd.events.isEmpty)
        #expect(AH.parameters(AH.json(odd.replies[0]))["reason"] == .string("error"))
    }

    @Test func pcmuPreferredOverL16() {
        var session = AudioHookSession()
        _ = session.receive(text: AH.open(media: [AH.media("L16", ["external", "internal"]), AH.media("PCMU", ["internal", "external"])]))
        #expect(session.media == AudioHookMedia(format: .pcmu, channels: [.internal, .external]))
    }

    @Test(arguments: [
        [AH.media("PCMU", ["external"]), AH.media("PCMU", ["internal"])],
        [AH.media("PCMU", ["external", "internal"], rate: 16000)],
        [AH.media("opus", ["external", "internal"])],
        [AH.media("PCMU", ["external", "external"])],
        [String](),
    ])
    func noAcceptableMediaDisconnects(media: [String]) {
        var session = AudioHookSession()
        let step = session.receive(text: AH.open(media: media))
        #expect(step.replies.count == 1 && step.events.isEmpty)
        let reply = AH.json(step.replies[0])
        #expect(reply["type"] == .string("disconnect"))
        #expect(AH.parameters(reply)["reason"] == .string("error"))
        #expect(AH.info(reply).contains("media"))
        #expect(step.error?.isFatal == true && step.awaitsClientClose)
        #expect(session.state == .disconnecting)
        // Audio now is ignored, not analysed.
        #expect(session.receive(binary: [0, 0]).events.isEmpty)
    }

    // MARK: Sequence numbers

    @Test func seqGapDisconnectsThenCloseIsAnswered() {
        var session = AH.opened()
        let gap = session.receive(text: AH.message("ping", seq: 3))
        #expect(gap.replies.count == 1 && gap.events.isEmpty)
        let reply = AH.json(gap.replies[0])
        #expect(reply["type"] == .string("disconnect"))
        #expect(reply["seq"] == .number(2) && reply["clientseq"] == .number(1) && reply["id"] == .string(AH.sessionId))
        #expect(AH.parameters(reply)["reason"] == .string("error"))
        guard case .string(let info)? = AH.parameters(reply)["info"] else {
            Issue.record("no info")
            return
        }
        #expect(info.hasPrefix("Client Error: Invalid seq value"))
        #expect(gap.error?.isFatal == true && gap.error?.reply == gap.replies[0])
        #expect(gap.closeReason == nil && gap.awaitsClientClose)
        #expect(session.state == .disconnecting)

        // Audio after disconnect is not analysed; the client's close (whatever its seq) gets closed.
        #expect(session.receive(binary: [0x00, 0xFF]).events.isEmpty)
        let close = session.receive(text: AH.message("close", seq: 4, parameters: #"{"reason":"error"}"#))
        #expect(close.replies.count == 1 && AH.json(close.replies[0])["type"] == .string("closed"))
        #expect(AH.json(close.replies[0])["clientseq"] == .number(4))
        #expect(close.events.isEmpty, "no .end after an error")
        #expect(close.closeReason != nil)
        #expect(session.state == .closed)
    }

    @Test func repeatedSeqDisconnects() {
        var session = AH.opened()
        let repeated = session.receive(text: AH.message("ping", seq: 1))
        #expect(AH.json(repeated.replies[0])["type"] == .string("disconnect"))
        #expect(repeated.error?.reason.contains("seq") == true)
        #expect(session.state == .disconnecting)
    }

    @Test func firstSeqMustBeOne() {
        var session = AudioHookSession()
        let step = session.receive(text: AH.open(seq: 2))
        #expect(AH.json(step.replies[0])["type"] == .string("disconnect"))
        #expect(AH.json(step.replies[0])["clientseq"] == .number(0))
        #expect(step.events.isEmpty && session.setup == nil)
    }

    @Test func serverseqAboveServersDisconnects() {
        var session = AH.opened()  // server seq 1
        let step = session.receive(text: AH.message("ping", seq: 2, serverseq: 2))
        #expect(AH.json(step.replies[0])["type"] == .string("disconnect"))
        #expect(step.error?.reason.contains("serverseq") == true)
    }

    @Test func pingAfterDisconnectStillGetsPong() {
        var session = AH.opened()
        _ = session.receive(text: AH.message("dance", seq: 2))
        #expect(session.state == .disconnecting)
        let ping = session.receive(text: AH.message("ping", seq: 3, serverseq: 2))
        #expect(AH.json(ping.replies[0])["type"] == .string("pong"))
        let update = session.receive(text: AH.message("update", seq: 4, parameters: #"{"language":"en-US"}"#))
        #expect(update.replies.isEmpty && update.error == nil)
        #expect(session.state == .disconnecting)
    }

    // MARK: Ordering and state

    @Test(arguments: ["ping", "paused", "resumed", "update", "discarded", "error"])
    func messageBeforeOpenDisconnects(type: String) {
        var session = AudioHookSession()
        let parameters = switch type {
        case "resumed", "discarded": #"{"start":"PT0S","discarded":"PT0S"}"#
        case "update": #"{"language":"en-US"}"#
        case "error": #"{"code":500,"message":"x"}"#
        default: "{}"
        }
        let step = session.receive(text: AH.message(type, seq: 1, parameters: parameters))
        #expect(step.replies.count == 1)
        #expect(AH.json(step.replies[0])["type"] == .string("disconnect"))
        #expect(AH.info(AH.json(step.replies[0])).contains("before 'open'"))
        #expect(step.error?.isFatal == true && step.events.isEmpty)
    }

    @Test func closeBeforeOpenIsAnsweredWithoutEnd() {
        var session = AudioHookSession()
        let step = session.receive(text: AH.message("close", seq: 1, parameters: #"{"reason":"end"}"#))
        #expect(AH.json(step.replies[0])["type"] == .string("closed"))
        #expect(step.events.isEmpty && step.closeReason != nil && step.error == nil)
    }

    @Test func secondOpenDisconnects() {
        var session = AH.opened()
        let step = session.receive(text: AH.open(seq: 2))
        #expect(AH.json(step.replies[0])["type"] == .string("disconnect"))
        #expect(step.events.isEmpty && step.error?.isFatal == true)
    }

    @Test func binaryBeforeOpenIsFatal() {
        var session = AudioHookSession(configuration: .init(sessionId: AH.sessionId))
        let step = session.receive(binary: [0xFF, 0xFF])
        #expect(step.events.isEmpty && step.error?.isFatal == true)
        let reply = AH.json(step.replies[0])
        #expect(reply["type"] == .string("disconnect") && reply["id"] == .string(AH.sessionId))
        #expect(session.audioBytesReceived == 2)
    }

    @Test func oddPCMUBinaryLengthIsFatal() {
        var session = AH.opened()
        let step = session.receive(binary: [0xFF, 0xFF, 0xFF])
        #expect(step.events.isEmpty && step.error?.isFatal == true)
        #expect(AH.parameters(AH.json(step.replies[0]))["reason"] == .string("error"))
        #expect(session.audioSampleFramesAnalysed == 0)
    }

    @Test func emptyBinaryIsNoAudio() {
        var session = AH.opened()
        let step = session.receive(binary: [])
        #expect(step.events.isEmpty && step.error == nil && step.replies.isEmpty)
    }

    @Test func oversizedBinaryIsFatal() {
        var configuration = AudioHookSession.Configuration()
        configuration.maximumBinaryBytes = 1600
        var session = AH.opened(configuration: configuration)
        #expect(session.receive(binary: [UInt8](repeating: 0xFF, count: 1600)).events.count == 1)
        let step = session.receive(binary: [UInt8](repeating: 0xFF, count: 1602))
        #expect(step.events.isEmpty && step.error?.isFatal == true)
    }

    @Test func oversizedTextIsFatal() {
        var session = AudioHookSession()
        let step = session.receive(text: AH.message("open", seq: 1, parameters: #"{"pad":""# + String(repeating: "x", count: 70_000) + #""}"#))
        #expect(AH.json(step.replies[0])["type"] == .string("disconnect") && step.error?.isFatal == true)
    }

    // MARK: Malformed messages

    @Test(arguments: ["{not json", "", "[]", "\"open\"", "null", "{\"version\":\"2\"", "\u{0}\u{1}binary"])
    func malformedJSONDisconnects(text: String) {
        var session = AudioHookSession()
        let step = session.receive(text: text)
        #expect(step.replies.count == 1 && step.events.isEmpty && step.error?.isFatal == true)
        let reply = AH.json(step.replies[0])
        #expect(reply["type"] == .string("disconnect") && reply["version"] == .string("2"))
        #expect(reply["id"] == .string("00000000-0000-0000-0000-000000000000"), "no session id known yet")
        #expect(AH.parameters(reply)["reason"] == .string("error"))
    }

    @Test(arguments: [
        // wrong version
        #"{"version":"1","id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","type":"ping","seq":1,"serverseq":0,"position":"PT0S","parameters":{}}"#,
        #"{"version":2,"id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","type":"ping","seq":1,"serverseq":0,"position":"PT0S","parameters":{}}"#,
        // missing / wrong fields
        #"{"id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","type":"open","seq":1,"serverseq":0,"position":"PT0S","parameters":{}}"#,
        #"{"version":"2","id":"not-a-uuid","type":"open","seq":1,"serverseq":0,"position":"PT0S","parameters":{}}"#,
        #"{"version":"2","id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","seq":1,"serverseq":0,"position":"PT0S","parameters":{}}"#,
        #"{"version":"2","id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","type":"open","serverseq":0,"position":"PT0S","parameters":{}}"#,
        #"{"version":"2","id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","type":"open","seq":-1,"serverseq":0,"position":"PT0S","parameters":{}}"#,
        #"{"version":"2","id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","type":"open","seq":1.5,"serverseq":0,"position":"PT0S","parameters":{}}"#,
        #"{"version":"2","id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","type":"open","seq":true,"serverseq":0,"position":"PT0S","parameters":{}}"#,
        #"{"version":"2","id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","type":"open","seq":"1","serverseq":0,"position":"PT0S","parameters":{}}"#,
        #"{"version":"2","id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","type":"open","seq":1,"position":"PT0S","parameters":{}}"#,
        #"{"version":"2","id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","type":"open","seq":1,"serverseq":0,"position":"12s","parameters":{}}"#,
        #"{"version":"2","id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","type":"open","seq":1,"serverseq":0,"parameters":{}}"#,
        #"{"version":"2","id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","type":"open","seq":1,"serverseq":0,"position":"PT0S","parameters":[]}"#,
        #"{"version":"2","id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","type":"open","seq":1,"serverseq":0,"position":"PT0S"}"#,
        // open with bad parameters
        #"{"version":"2","id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","type":"open","seq":1,"serverseq":0,"position":"PT0S","parameters":{}}"#,
        #"{"version":"2","id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","type":"open","seq":1,"serverseq":0,"position":"PT0S","parameters":{"organizationId":"d7934305-0972-4844-938e-9060eef73d05","conversationId":"nope","participant":{},"media":[]}}"#,
    ])
    func malformedEnvelopeDisconnects(text: String) {
        var session = AudioHookSession()
        let step = session.receive(text: text)
        #expect(step.replies.count == 1 && step.events.isEmpty && step.error?.isFatal == true)
        let reply = AH.json(step.replies[0])
        #expect(reply["type"] == .string("disconnect"))
        #expect(AH.parameters(reply)["reason"] == .string("error"))
        #expect(session.setup == nil && session.state == .disconnecting)
    }

    @Test func unknownTypeDisconnects() {
        var session = AH.opened()
        let step = session.receive(text: AH.message("dance", seq: 2))
        let reply = AH.json(step.replies[0])
        #expect(reply["type"] == .string("disconnect") && reply["clientseq"] == .number(2))
        #expect(AH.parameters(reply)["info"] == .string("Client Error: Invalid Message: 'dance' is not a supported client message"))
        #expect(step.error?.isFatal == true)
    }

    @Test func badParametersForKnownTypeDisconnect() {
        var session = AH.opened()
        let step = session.receive(text: AH.message("close", seq: 2, parameters: #"{"reason":"bored"}"#))
        #expect(AH.json(step.replies[0])["type"] == .string("disconnect"))
        #expect(step.events.isEmpty)
    }

    @Test func sessionIdMustMatchHeaderAndStayTheSame() {
        var configured = AudioHookSession(configuration: .init(sessionId: "11111111-2222-4333-8444-555555555555"))
        let wrong = configured.receive(text: AH.open())
        #expect(AH.parameters(AH.json(wrong.replies[0]))["info"] == .string("Client Error: Session identifier mismatch"))

        var session = AH.opened()
        let changed = session.receive(text: AH.message("ping", seq: 2, id: "11111111-2222-4333-8444-555555555555"))
        #expect(AH.json(changed.replies[0])["type"] == .string("disconnect"))
    }

    @Test func organizationMismatchIsUnauthorized() {
        var session = AudioHookSession(configuration: .init(organizationId: "5f0c2a8e-3b1d-4c6e-9a7f-2d4b6c8e0a13"))
        let step = session.receive(text: AH.open())
        let reply = AH.json(step.replies[0])
        #expect(reply["type"] == .string("disconnect"))
        #expect(AH.parameters(reply)["reason"] == .string("unauthorized"))
        #expect(step.events.isEmpty && step.error?.isFatal == true)

        var matching = AudioHookSession(configuration: .init(organizationId: AH.organizationId))
        #expect(matching.receive(text: AH.open()).error == nil)
    }

    @Test func supportedLanguagesAnsweredWhenAsked() {
        var session = AudioHookSession()
        let step = session.receive(text: AH.message("open", seq: 1, parameters: AH.openParameters(extra: #""supportedLanguages":true"#)))
        #expect(AH.parameters(AH.json(step.replies[0]))["supportedLanguages"] == .array([]))
    }

    /// Random and mutated input never traps, and every reply is a JSON object with a type.
    @Test func neverCrashesOnGarbage() {
        var generator = SeededGenerator(seed: 0xA0D10_400C)
        let valid = [AH.open(), AH.message("ping", seq: 2), AH.message("paused", seq: 3), AH.message("close", seq: 4, parameters: #"{"reason":"end"}"#)]
        for round in 0..<300 {
            var session = AudioHookSession()
            for index in 0..<8 {
                switch generator.next() % 4 {
                case 0:
                    let bytes = (0..<Int(generator.next() % 64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                    check(session.receive(binary: bytes), round)
                case 1:
                    var bytes = Array(valid[index % valid.count].utf8)
                    for _ in 0..<Int(generator.next() % 4) where !bytes.isEmpty {
                        bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next() % 128)
                    }
                    check(session.receive(text: String(decoding: bytes, as: UTF8.self)), round)
                case 2:
                    check(session.receive(text: valid[index % valid.count]), round)
                default:
                    let scalars = (0..<Int(generator.next() % 40)).compactMap { _ in Unicode.Scalar(UInt32(generator.next() % 0x250)) }
                    check(session.receive(text: String(String.UnicodeScalarView(scalars))), round)
                }
            }
        }
    }

    private func check(_ step: AudioHookStep, _ round: Int) {
        for reply in step.replies {
            #expect(AH.json(reply)["type"] != nil, "round \(round)")
        }
    }

    // MARK: Durations

    @Test func parsesISODurations() {
        #expect(AudioHookDuration.parseISODuration("PT12.34S") == 12.34)
        #expect(AudioHookDuration.parseISODuration("PT0S") == 0)
        #expect(AudioHookDuration.parseISODuration("PT.5S") == 0.5)
        #expect(AudioHookDuration.parseISODuration("PT3600S") == 3600)
        for bad in ["PT5.S", "PTS", "P1D", "PT1M", "12.3", "PT-1S", "pt1s", "PT1.2.3S", "PT1S ", "", "PT", "PT1e3S"] {
            #expect(AudioHookDuration.parseISODuration(bad) == nil, "\(bad)")
        }
        #expect(AudioHookDuration.format(seconds: 12.34) == "PT12.34S")
        #expect(AudioHookDuration.format(seconds: 2) == "PT2S")
    }
}


// MARK: - Refusal at open, alert events, resumed without paused (issue 15, item 5)

extension AudioHookSessionTests {
    /// A live alert as the hub carries it (decoded: `LiveAlert` is built by the live call only).
    static func alert(_ cause: String, party: String?, atSeconds: Double, message: String) throws -> LiveAlert {
        let partyField = party.map { #","party":"\#($0)""# } ?? ""
        let json = #"{"call":{"callId":"\#(AH.conversationId)","source":"audiohook","startedAt":"2025-01-01T00:00:00Z"},"cause":"\#(cause)","atSeconds":\#(atSeconds),"streamSeconds":\#(atSeconds + 0.1)\#(partyField),"message":"\#(message)"}"#
        return try JSONDecoder().decode(LiveAlert.self, from: Data(json.utf8))
    }

    /// The server `seq` of each reply, in order.
    static func serverSeqs(_ replies: [String]) -> [AudioHookJSON?] { replies.map { AH.json($0)["seq"] } }

    /// The server cannot take the call `open` announced: the client gets `disconnect` (reason
    /// `error`, the reason as info) in place of `opened`, with `opened`'s `seq`; its `close` is
    /// then answered `closed`, the next `seq`. No `.end`: the call never started.
    @Test func refusedOpenGetsDisconnectInsteadOfOpenedWithItsSeq() {
        var session = AudioHookSession(configuration: .init(sessionId: AH.sessionId))
        let open = session.receive(text: AH.open())
        #expect(open.replies.count == 1 && open.events.count == 1, "open gives opened and .start, which the caller withholds")

        let refused = session.refuse(info: "conversation \(AH.conversationId) is already live")
        #expect(refused.replies.count == 1)
        let disconnect = AH.json(refused.replies[0])
        #expect(disconnect["type"] == .string("disconnect"))
        #expect(disconnect["seq"] == .number(1), "the withdrawn opened's seq: the client never saw seq 1")
        #expect(disconnect["clientseq"] == .number(1) && disconnect["id"] == .string(AH.sessionId))
        #expect(AH.parameters(disconnect)["reason"] == .string("error"))
        #expect(AH.info(disconnect) == "conversation \(AH.conversationId) is already live")
        #expect(refused.events.isEmpty && refused.error?.isFatal == true && refused.awaitsClientClose)
        #expect(session.state == .disconnecting && session.setup == nil && session.media == nil)

        // Audio the client had in flight is not analysed; its close (serverseq 1) is answered.
        #expect(session.receive(binary: [0x00, 0xFF]).events.isEmpty)
        let close = session.receive(text: AH.message("close", seq: 2, serverseq: 1, parameters: #"{"reason":"error"}"#))
        #expect(close.replies.count == 1)
        let closed = AH.json(close.replies[0])
        #expect(closed["type"] == .string("closed") && closed["seq"] == .number(2) && closed["clientseq"] == .number(2))
        #expect(close.events.isEmpty, "no .end: the refused call never started")
        #expect(close.closeReason != nil && session.state == .closed)

        // Refused later (not right after open), the disconnect follows what was already sent.
        var later = AH.opened()
        _ = later.receive(text: AH.message("ping", seq: 2, serverseq: 1))
        let lateRefusal = later.refuse(info: "no more")
        #expect(AH.json(lateRefusal.replies[0])["seq"] == .number(3))
    }

    /// Asked for in `open` (`customConfig.attuneEvents: true`), each alert is an `event`
    /// (`parameters.entities: [{type: "attune.alert", data}]`) with the next server `seq` and the
    /// client's last `seq`; later replies go on from there.
    @Test func alertsAreEventsWhenTheClientAskedForThem() throws {
        var session = AudioHookSession(configuration: .init(sessionId: AH.sessionId))
        let open = session.receive(text: AH.open(customConfig: #"{"agentId":"agent-42","attuneEvents":true}"#))
        #expect(open.error == nil && session.sendsAlertEvents)
        _ = session.receive(binary: [0x00, 0xFF])
        let deadAir = try Self.alert("deadAir", party: nil, atSeconds: 12.5, message: "Dead air: 3 s of silence")
        let voice = try Self.alert("raisedVoice", party: "customer", atSeconds: 20.25, message: "Customer raised their voice")
        let events = session.events(for: [deadAir, voice])
        #expect(events == [
            #"{"clientseq":1,"id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","parameters":{"entities":[{"data":{"atSeconds":12.5,"cause":"deadAir","message":"Dead air: 3 s of silence"},"type":"attune.alert"}]},"seq":2,"type":"event","version":"2"}"#,
            #"{"clientseq":1,"id":"30b0e395-84d3-4570-ac13-9a62d8f514c0","parameters":{"entities":[{"data":{"atSeconds":20.25,"cause":"raisedVoice","message":"Customer raised their voice","party":"customer"},"type":"attune.alert"}]},"seq":3,"type":"event","version":"2"}"#,
        ])
        // The client acknowledges up to seq 3; the next reply is seq 4 with its clientseq.
        let ping = session.receive(text: AH.message("ping", seq: 2, serverseq: 3))
        #expect(ping.error == nil && AH.json(ping.replies[0])["seq"] == .number(4) && AH.json(ping.replies[0])["clientseq"] == .number(2))
        #expect(session.events(for: []).isEmpty && session.serverSeq == 4)
        // While paused too (the call is still on); not once the client has closed.
        _ = session.receive(text: AH.message("paused", seq: 3, serverseq: 4))
        #expect(Self.serverSeqs(session.events(for: [deadAir])) == [.number(5)])
        _ = session.receive(text: AH.message("close", seq: 4, serverseq: 5, parameters: #"{"reason":"end"}"#))
        #expect(session.events(for: [deadAir]).isEmpty && session.serverSeq == 6)
    }

    /// Without `attuneEvents: true` (absent, false, a string), before `open` and after a
    /// `disconnect`, no alert becomes an `event` and the server `seq` does not move.
    @Test(arguments: [nil, #"{"agentId":"agent-42"}"#, #"{"attuneEvents":false}"#, #"{"attuneEvents":"true"}"#, #"{"attuneEvents":1}"#])
    func alertsAreNotSentUnlessAsked(customConfig: String?) throws {
        let alert = try Self.alert("deadAir", party: nil, atSeconds: 1, message: "Dead air")
        var session = AudioHookSession()
        #expect(session.events(for: [alert]).isEmpty, "before open")
        _ = session.receive(text: AH.open(customConfig: customConfig))
        #expect(!session.sendsAlertEvents && session.events(for: [alert]).isEmpty && session.serverSeq == 1)

        var asked = AudioHookSession()
        _ = asked.receive(text: AH.open(customConfig: #"{"attuneEvents":true}"#))
        _ = asked.receive(text: AH.message("dance", seq: 2))
        #expect(asked.state == .disconnecting && asked.events(for: [alert]).isEmpty, "after disconnect")
        var refused = AudioHookSession()
        _ = refused.receive(text: AH.open(customConfig: #"{"attuneEvents":true}"#))
        _ = refused.refuse(info: "already live")
        #expect(refused.events(for: [alert]).isEmpty, "after a refused open")
    }

    /// `resumed` when the stream is not paused (the client's answer to a `resume` while it was
    /// streaming): no error, no reply (the protocol has no server answer to `resumed`), nothing
    /// resumed and no audio counted as discarded, as the reference; audio goes on being analysed.
    @Test func resumedWithoutPausedIsNoErrorAndNoReply() {
        var session = AH.opened()
        #expect(session.receive(binary: [0x00, 0xFF]).events.count == 1)
        let resumed = session.receive(text: AH.message("resumed", seq: 2, serverseq: 1, position: "PT2S", parameters: #"{"start":"PT0S","discarded":"PT2S"}"#))
        #expect(resumed.replies.isEmpty && resumed.events.isEmpty && resumed.error == nil && resumed.closeReason == nil)
        #expect(!resumed.notes.isEmpty)
        #expect(session.state == .active)
        #expect(session.discardedSeconds == 0, "no pause: the client discarded nothing the server knows of")
        #expect(session.receive(binary: [0xAA, 0xBB]).events == [.audio(AH.muLaw([0xAA, 0xBB]))])
        // Twice in a row is the same; the next reply's clientseq counts them.
        #expect(session.receive(text: AH.message("resumed", seq: 3, serverseq: 1, parameters: #"{"start":"PT0S","discarded":"PT0S"}"#)).replies.isEmpty)
        let ping = session.receive(text: AH.message("ping", seq: 4, serverseq: 1))
        #expect(AH.json(ping.replies[0])["type"] == .string("pong") && AH.json(ping.replies[0])["seq"] == .number(2))
        #expect(AH.json(ping.replies[0])["clientseq"] == .number(4))
        #expect(session.messageCounts[.resumed] == 2)
    }
}
