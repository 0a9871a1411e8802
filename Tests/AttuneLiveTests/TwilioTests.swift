import AttuneScoring
import AttuneCalibration
import AttuneDSP
import AttuneLive
import AttunePipeline
import FoundationEssentials
import Testing

/// Builds the text messages of a Twilio Media Stream as Twilio sends them (JSON written out by
/// hand, not by the adapter's own `Codable` types), with μ-law payloads of known sample values.
private enum TwilioWire {
    static let streamSid = "MZ18ad3ab5a668481ce02b83e7395059f0"
    static let callSid = "CA4d1f1c5a1f2e4c3b9a8d7e6f5a4b3c2d"
    static let accountSid = "AC25e16e9a716a4a1786a7c83f58e30482"
    static let samplesPerFrame = 160

    static let connected = #"{"event":"connected","protocol":"Call","version":"1.0.0"}"#

    static func start(
        tracks: [String] = ["inbound", "outbound"], encoding: String = "audio/x-mulaw", sampleRate: String = "8000",
        channels: String = "1", customParameters: String = #"{"callId":"call-42","agentId":"agent-7","team":"blue"}"#
    ) -> String {
        let trackList = tracks.map { "\"\($0)\"" }.joined(separator: ",")
        return """
            {"event":"start","sequenceNumber":"1","start":{"accountSid":"\(accountSid)","streamSid":"\(streamSid)",\
            "callSid":"\(callSid)","tracks":[\(trackList)],"customParameters":\(customParameters),\
            "mediaFormat":{"encoding":"\(encoding)","sampleRate":\(sampleRate),"channels":\(channels)}},"streamSid":"\(streamSid)"}
            """
    }

    static func media(track: String, chunk: Int, timestampMilliseconds: Int, bytes: [UInt8], streamSid: String = streamSid) -> String {
        media(track: track, chunk: "\(chunk)", timestamp: "\(timestampMilliseconds)", payload: Data(bytes).base64EncodedString(), streamSid: streamSid)
    }

    static func media(track: String, chunk: String, timestamp: String, payload: String, streamSid: String = streamSid) -> String {
        """
        {"event":"media","sequenceNumber":"\(chunk)","media":{"track":"\(track)","chunk":"\(chunk)",\
        "timestamp":"\(timestamp)","payload":"\(payload)"},"streamSid":"\(streamSid)"}
        """
    }

    /// Frame `index` (0-based) of `track`: chunk `index + 1` at `index × 20` ms.
    static func frame(_ track: String, _ index: Int) -> String {
        media(track: track, chunk: index + 1, timestampMilliseconds: index * 20, bytes: frameBytes(track, index))
    }

    static let stop = """
        {"event":"stop","sequenceNumber":"99","stop":{"accountSid":"\(accountSid)","callSid":"\(callSid)"},"streamSid":"\(streamSid)"}
        """

    /// The 16-bit value of sample `n` (counted from the stream's start) of a track: never near
    /// zero (so silence is recognisable), advisor positive and customer negative (so swapped
    /// channels show), different in every frame (so swapped frames show).
    static func sampleValue(_ track: String, _ n: Int) -> Int16 {
        track == "outbound" ? Int16((n * 131) % 30_000 + 100) : -Int16((n * 173) % 30_000 + 100)
    }

    static func frameBytes(_ track: String, _ index: Int) -> [UInt8] {
        (0..<samplesPerFrame).map { G711.encodeMuLaw(sampleValue(track, index * samplesPerFrame + $0)) }
    }

    /// What the adapter should decode frame `index` of `track` to.
    static func frameSamples(_ track: String, _ index: Int) -> [Float] {
        frameBytes(track, index).map { G711.muLawToFloat[Int($0)] }
    }

    /// Frames `0 ..< frameCount` of both tracks, interleaved advisor (outbound), customer (inbound).
    static func stereo(frameCount: Int) -> [Float] {
        var samples: [Float] = []
        for index in 0..<frameCount {
            for (advisor, customer) in zip(frameSamples("outbound", index), frameSamples("inbound", index)) {
                samples += [advisor, customer]
            }
        }
        return samples
    }

    /// Both tracks in order: outbound then inbound, frame by frame.
    static func inOrder(frameCount: Int) -> [(track: String, index: Int)] {
        (0..<frameCount).flatMap { [("outbound", $0), ("inbound", $0)] }
    }
}


/// All `.audio` samples of `events`, in order.
private func audio(_ events: [IngestEvent]) -> [Float] {
    events.flatMap { event -> [Float] in
        if case .audio(let samples) = event { return samples }
        return []
    }
}

/// Feeds messages that must all be accepted; returns every event.
private func feed(_ stream: inout TwilioStream, _ texts: [String]) throws -> [IngestEvent] {
    var events: [IngestEvent] = []
    for text in texts { events += try stream.receive(text: text) }
    return events
}

/// A started stereo stream.
private func startedStream(configuration: TwilioStream.Configuration = .default, tracks: [String] = ["inbound", "outbound"]) throws -> TwilioStream {
    var stream = TwilioStream(configuration: configuration)
    _ = try feed(&stream, [TwilioWire.connected, TwilioWire.start(tracks: tracks)])
    return stream
}

/// The error a message raises (nil if none).
private func error(_ stream: inout TwilioStream, _ text: String) -> IngestError? {
    do {
        _ = try stream.receive(text: text)
        return nil
    } catch {
        return error
    }
}

@Suite struct TwilioTests {
    // MARK: Start

    @Test func startAnnouncesTheCallAndStereoLayout() throws {
        var stream = TwilioStream()
        #expect(try stream.receive(text: TwilioWire.connected) == [])
        let events = try stream.receive(text: TwilioWire.start())
        let expected = LiveCallSetup(callId: "call-42", agentId: "agent-7", team: "blue", layout: .stereo(advisorChannel: 0), sampleRateHz: 8000)
        #expect(events == [.start(expected)])
        #expect(stream.streamSid == TwilioWire.streamSid && stream.callSid == TwilioWire.callSid)
        #expect(stream.channelTracks == [.outbound, .inbound])
        #expect(expected.layout.parties == [.advisor, .customer])
    }

    @Test func callIdFallsBackToCallSid() throws {
        var stream = TwilioStream()
        let events = try stream.receive(text: TwilioWire.start(customParameters: #"{"FirstName":"Jane","callId":"","n":3}"#))
        #expect(events == [.start(LiveCallSetup(callId: TwilioWire.callSid, agentId: nil, team: nil, layout: .stereo(advisorChannel: 0), sampleRateHz: 8000))])
    }

    @Test(arguments: [
        TwilioWire.start(encoding: "audio/l16"),
        TwilioWire.start(sampleRate: "16000"),
        TwilioWire.start(channels: "2"),
        TwilioWire.start(tracks: []),
        TwilioWire.start(tracks: ["both_tracks"]),
        TwilioWire.start(customParameters: "{\"callId\":\"\(String(repeating: "x", count: 300))\"}"),
        TwilioWire.start().replacing("\"callSid\":\"\(TwilioWire.callSid)\",", with: ""),
        TwilioWire.start().replacing("\"streamSid\":\"\(TwilioWire.streamSid)\"", with: "\"x\":1"),
        #"{"event":"start","start":{"callSid":"CA1","tracks":["inbound"]},"streamSid":"MZ1"}"#,
        #"{"event":"start","start":"inbound","streamSid":"MZ1"}"#,
        #"{"event":"start"}"#,
    ])
    func invalidStartIsFatal(text: String) throws {
        var stream = TwilioStream()
        let startError = try #require(error(&stream, text))
        #expect(startError.isFatal)
        #expect(stream.setup == nil)
        // The stream is dead: even a good start is refused.
        #expect(error(&stream, TwilioWire.start())?.isFatal == true)
        #expect(stream.finish() == [])
    }

    @Test func secondStartIsFatal() throws {
        var stream = try startedStream()
        #expect(error(&stream, TwilioWire.start())?.isFatal == true)
        #expect(error(&stream, TwilioWire.frame("outbound", 0))?.isFatal == true)
    }

    @Test func mediaOrStopBeforeStartIsFatal() {
        var early = TwilioStream()
        #expect(error(&early, TwilioWire.frame("inbound", 0))?.isFatal == true)
        var stopped = TwilioStream()
        #expect(error(&stopped, TwilioWire.stop)?.isFatal == true)
        #expect(stopped.finish() == [])
    }

    // MARK: Audio

    /// Each pair of frames is released the moment the second of the pair arrives, exactly.
    @Test func inOrderStreamIsInterleavedAdvisorFirstWithoutDelay() throws {
        var stream = try startedStream()
        let frameCount = 50
        for index in 0..<frameCount {
            #expect(try stream.receive(text: TwilioWire.frame("outbound", index)) == [])
            let expected = TwilioWire.stereo(frameCount: index + 1).suffix(2 * TwilioWire.samplesPerFrame)
            #expect(try stream.receive(text: TwilioWire.frame("inbound", index)) == [.audio(Array(expected))])
        }
        #expect(try stream.receive(text: TwilioWire.stop) == [.end])
        #expect(stream.inbound.framesReceived == frameCount && stream.outbound.framesReceived == frameCount)
        #expect(stream.inbound.gapSamplesFilled == 0 && stream.outbound.gapSamplesFilled == 0)
        #expect(stream.lateFramesDropped == 0 && stream.duplicateFrames == 0 && stream.messagesIgnored == 0)
    }

    /// Frames shuffled within windows of 4 per track, tracks up to 3 frames apart (< 200 ms):
    /// bit-identical audio to the in-order stream, and nothing filled or dropped.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func shuffledWithinJitterMatchesInOrder(seed: UInt64) throws {
        let frameCount = 60
        var generator = SeededGenerator(seed: seed)
        func locallyShuffled() -> [Int] {
            stride(from: 0, to: frameCount, by: 4).flatMap { Array($0..<min($0 + 4, frameCount)).shuffled(using: &generator) }
        }
        let outbound = locallyShuffled(), inbound = locallyShuffled()
        var order: [(track: String, index: Int)] = []
        var (o, i) = (0, 0)
        while o < frameCount || i < frameCount {
            let takeOutbound = i >= frameCount || (o < frameCount && o - i < 3 && (i - o >= 3 || Bool.random(using: &generator)))
            if takeOutbound {
                order.append(("outbound", outbound[o])); o += 1
            } else {
                order.append(("inbound", inbound[i])); i += 1
            }
        }
        #expect(order.map(\.index) != TwilioWire.inOrder(frameCount: frameCount).map(\.index))

        var stream = try startedStream()
        var events = try feed(&stream, order.map { TwilioWire.frame($0.track, $0.index) })
        #expect(stream.emittedSampleCount == frameCount * TwilioWire.samplesPerFrame)  // all released before stop
        events += try stream.receive(text: TwilioWire.stop)
        let expected = TwilioWire.stereo(frameCount: frameCount)
        #expect(audio(events).map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(events.last == .end)
        #expect(stream.inbound.gapSamplesFilled == 0 && stream.outbound.gapSamplesFilled == 0 && stream.lateFramesDropped == 0)
    }

    /// A lost customer frame: the stream waits exactly the jitter (200 ms of later data), then
    /// fills its 160 samples with silence and carries on.
    @Test func missingChunkBecomesSilenceOfItsLength() throws {
        var stream = try startedStream()
        let frameCount = 50, lost = 10
        for index in 0..<frameCount {
            _ = try stream.receive(text: TwilioWire.frame("outbound", index))
            if index != lost { _ = try stream.receive(text: TwilioWire.frame("inbound", index)) }
            // Held at the hole until data 200 ms past its end exists (frame lost + 10 ends there).
            let released = index < lost ? index + 1 : index < lost + 10 ? lost : index + 1
            #expect(stream.emittedSampleCount == released * TwilioWire.samplesPerFrame, "after frame \(index)")
        }
        let events = try stream.receive(text: TwilioWire.stop)
        #expect(events == [.end])
        #expect(stream.inbound.gapSamplesFilled == 160 && stream.inbound.gapFramesFilled == 1)
        #expect(stream.outbound.gapSamplesFilled == 0 && stream.inbound.framesReceived == frameCount - 1)
    }

    @Test func missingChunkAudioIsSilentOnlyThere() throws {
        var stream = try startedStream()
        let frameCount = 30, lost = 7
        let order = TwilioWire.inOrder(frameCount: frameCount).filter { !($0.track == "inbound" && $0.index == lost) }
        let events = try feed(&stream, order.map { TwilioWire.frame($0.track, $0.index) } + [TwilioWire.stop])
        var expected = TwilioWire.stereo(frameCount: frameCount)
        for n in lost * 160..<(lost + 1) * 160 { expected[2 * n + 1] = 0 }
        #expect(audio(events) == expected)
    }

    /// The lost frame turns up after its stretch was released: dropped, counted, length unchanged.
    @Test func lateFrameBeyondTheWindowIsDropped() throws {
        var stream = try startedStream()
        let frameCount = 40, lost = 5
        var texts = TwilioWire.inOrder(frameCount: frameCount).filter { !($0.track == "inbound" && $0.index == lost) }
            .map { TwilioWire.frame($0.track, $0.index) }
        texts.insert(TwilioWire.frame("inbound", lost), at: 2 * 30)  // arrives 24 frames (480 ms) late
        let events = try feed(&stream, texts + [TwilioWire.stop])
        var expected = TwilioWire.stereo(frameCount: frameCount)
        for n in lost * 160..<(lost + 1) * 160 { expected[2 * n + 1] = 0 }
        #expect(audio(events) == expected)
        #expect(stream.lateFramesDropped == 1 && stream.inbound.lateFramesDropped == 1)
        #expect(stream.inbound.gapSamplesFilled == 160 && stream.inbound.framesReceived == frameCount)
    }

    /// A frame late by less than the jitter is not late: it is used.
    @Test func frameLateWithinTheWindowIsUsed() throws {
        var stream = try startedStream()
        let frameCount = 20, delayed = 3
        var texts = TwilioWire.inOrder(frameCount: frameCount).filter { !($0.track == "inbound" && $0.index == delayed) }
            .map { TwilioWire.frame($0.track, $0.index) }
        texts.insert(TwilioWire.frame("inbound", delayed), at: 2 * (delayed + 8))  // 8 frames = 160 ms late
        let events = try feed(&stream, texts + [TwilioWire.stop])
        #expect(audio(events) == TwilioWire.stereo(frameCount: frameCount))
        #expect(stream.lateFramesDropped == 0 && stream.inbound.gapSamplesFilled == 0)
    }

    /// Repeats (same track and chunk) are ignored even with another payload and timestamp.
    @Test func duplicatesAreIgnored() throws {
        var stream = try startedStream()
        let frameCount = 20
        var texts: [String] = []
        for (track, index) in TwilioWire.inOrder(frameCount: frameCount) {
            texts.append(TwilioWire.frame(track, index))
            if index % 3 == 0 { texts.append(TwilioWire.frame(track, index)) }
        }
        // Outbound chunk 21 (frame 20) comes twice, the second time with other samples and frame
        // 21's timestamp: without the duplicate check they would take frame 21's place (samples
        // received first are kept), before the real frame 21 arrives.
        texts.append(TwilioWire.media(track: "outbound", chunk: 21, timestampMilliseconds: 400, bytes: TwilioWire.frameBytes("outbound", 20)))
        texts.append(TwilioWire.media(track: "outbound", chunk: 21, timestampMilliseconds: 420, bytes: TwilioWire.frameBytes("inbound", 3)))
        texts += [TwilioWire.frame("inbound", 20), TwilioWire.frame("outbound", 21), TwilioWire.frame("inbound", 21)]
        texts.append(TwilioWire.frame("inbound", 0))  // long after: still a duplicate, not late
        let events = try feed(&stream, texts + [TwilioWire.stop])
        #expect(audio(events) == TwilioWire.stereo(frameCount: 22))
        #expect(stream.duplicateFrames == 14 + 1 + 1 && stream.lateFramesDropped == 0)
        #expect(stream.outbound.framesReceived == 20 + 7 + 2 + 1)
    }

    /// Chunk numbers do not order frames; timestamps do.
    @Test func framesAreOrderedByTimestampNotChunkOrArrival() throws {
        var stream = try startedStream(tracks: ["inbound"])
        let frameCount = 6
        var events: [IngestEvent] = []
        for index in (0..<frameCount).reversed() {
            let chunk = index + 1 == frameCount ? 1 : frameCount - index  // scrambled numbering
            events += try stream.receive(text: TwilioWire.media(
                track: "inbound", chunk: chunk, timestampMilliseconds: index * 20, bytes: TwilioWire.frameBytes("inbound", index)))
        }
        #expect(audio(events) == (0..<frameCount).flatMap { TwilioWire.frameSamples("inbound", $0) })
    }

    /// Only one track sending: the other waits the jitter, then is filled with silence frame by
    /// frame; its frames arriving afterwards are late.
    @Test(arguments: [200, 100])
    func silentTrackIsFilledAfterTheJitter(jitterMilliseconds: Int) throws {
        var stream = try startedStream(configuration: TwilioStream.Configuration(jitterMilliseconds: jitterMilliseconds))
        let waitFrames = jitterMilliseconds / 20
        var events: [IngestEvent] = []
        for index in 0..<30 {
            let new = try stream.receive(text: TwilioWire.frame("outbound", index))
            #expect(audio(new).count == (index < waitFrames ? 0 : 2 * 160), "after frame \(index)")
            events += new
        }
        let released = 30 - waitFrames
        #expect(audio(events) == zip(TwilioWire.stereo(frameCount: released).indices, TwilioWire.stereo(frameCount: released)).map { $0 % 2 == 0 ? $1 : 0 })
        #expect(stream.inbound.gapSamplesFilled == released * 160 && stream.inbound.gapFramesFilled == released)
        #expect(try stream.receive(text: TwilioWire.frame("inbound", 0)) == [])
        #expect(stream.inbound.lateFramesDropped == 1)
    }

    /// A frame starting 1 ms after the previous one ended leaves an 8-sample hole.
    @Test func subFrameHoleIsFilledAndCounted() throws {
        var stream = try startedStream(tracks: ["outbound"])
        var texts = [TwilioWire.frame("outbound", 0)]
        for index in 1..<20 {
            texts.append(TwilioWire.media(track: "outbound", chunk: index + 1, timestampMilliseconds: index * 20 + 1, bytes: TwilioWire.frameBytes("outbound", index)))
        }
        let events = try feed(&stream, texts + [TwilioWire.stop])
        let expected = TwilioWire.frameSamples("outbound", 0) + [Float](repeating: 0, count: 8) + (1..<20).flatMap { TwilioWire.frameSamples("outbound", $0) }
        #expect(audio(events) == expected)
        #expect(stream.outbound.gapSamplesFilled == 8 && stream.outbound.gapFramesFilled == 1)
    }

    @Test(arguments: [("inbound", Party.customer), ("outbound", Party.advisor)])
    func oneTrackIsMono(track: String, party: Party) throws {
        var stream = TwilioStream()
        let start = try stream.receive(text: TwilioWire.start(tracks: [track], customParameters: "{}"))
        #expect(start == [.start(LiveCallSetup(callId: TwilioWire.callSid, agentId: nil, team: nil, layout: .mono(party: party), sampleRateHz: 8000))])
        for index in 0..<10 {
            #expect(try stream.receive(text: TwilioWire.frame(track, index)) == [.audio(TwilioWire.frameSamples(track, index))])
        }
        let other = track == "inbound" ? "outbound" : "inbound"
        #expect(error(&stream, TwilioWire.frame(other, 10))?.isFatal == false)
        #expect(try stream.receive(text: TwilioWire.stop) == [.end])
        #expect(stream.counters(for: TwilioTrack(rawValue: track)!).framesReceived == 10)
    }

    // MARK: Errors that are not fatal

    @Test func malformedMessagesAreIgnored() throws {
        var stream = try startedStream()
        let good = TwilioWire.frameBytes("inbound", 0)
        let bad: [String] = [
            "not json", "", "{}", "[]", "null", #"{"event":42}"#, #"{"event":"clear","streamSid":"MZ1"}"#,
            #"{"event":"media"}"#, #"{"event":"media","media":{"track":"inbound","chunk":"1","timestamp":"0"}}"#,
            TwilioWire.media(track: "inbound", chunk: "1", timestamp: "0", payload: "!!!not base64!!!"),
            TwilioWire.media(track: "inbound", chunk: "1", timestamp: "0", payload: ""),
            TwilioWire.media(track: "inbound", chunk: 1, timestampMilliseconds: 0, bytes: [UInt8](repeating: 0xFF, count: 8_001)),
            TwilioWire.media(track: "inbound", chunk: "one", timestamp: "0", payload: Data(good).base64EncodedString()),
            TwilioWire.media(track: "inbound", chunk: "1", timestamp: "-20", payload: Data(good).base64EncodedString()),
            TwilioWire.media(track: "inbound", chunk: "1", timestamp: "99999999999999999999", payload: Data(good).base64EncodedString()),
            TwilioWire.media(track: "both", chunk: 1, timestampMilliseconds: 0, bytes: good),
            TwilioWire.media(track: "inbound", chunk: 1, timestampMilliseconds: 0, bytes: good, streamSid: "MZother"),
            TwilioWire.media(track: "inbound", chunk: 900, timestampMilliseconds: 60_000, bytes: good),  // 60 s ahead
            String(repeating: " ", count: 70_000) + TwilioWire.frame("inbound", 0),
        ]
        for text in bad {
            let rejection = try #require(error(&stream, text), "\(text.prefix(80))")
            #expect(!rejection.isFatal, "\(text.prefix(80))")
            #expect(!rejection.reason.contains(Data(good).base64EncodedString()))
        }
        #expect(stream.messagesIgnored == bad.count && stream.framesTooFarAhead == 1)
        for ignored in [TwilioWire.connected, #"{"event":"mark","mark":{"name":"m1"}}"#, #"{"event":"dtmf","dtmf":{"track":"inbound_track","digit":"1"}}"#] {
            #expect(try stream.receive(text: ignored) == [])
        }
        // The stream carries on untouched: the far-ahead frame filled nothing.
        let events = try feed(&stream, TwilioWire.inOrder(frameCount: 10).map { TwilioWire.frame($0.track, $0.index) } + [TwilioWire.stop])
        #expect(audio(events) == TwilioWire.stereo(frameCount: 10))
        #expect(stream.inbound.gapSamplesFilled == 0 && stream.outbound.gapSamplesFilled == 0)
    }

    @Test func numbersSentAsJSONIntegersAreAccepted() throws {
        var stream = try startedStream(tracks: ["inbound"])
        let payload = Data(TwilioWire.frameBytes("inbound", 0)).base64EncodedString()
        let text = #"{"event":"media","sequenceNumber":2,"media":{"track":"inbound","chunk":1,"timestamp":0,"payload":"\#(payload)"}}"#
        #expect(try stream.receive(text: text) == [.audio(TwilioWire.frameSamples("inbound", 0))])
    }

    // MARK: Ending

    @Test func stopFlushesHeldAudioWithSilence() throws {
        var stream = try startedStream()
        var texts = (0..<10).map { TwilioWire.frame("outbound", $0) }
        texts += (0..<8).map { TwilioWire.frame("inbound", $0) }
        let before = try feed(&stream, texts)
        #expect(audio(before) == TwilioWire.stereo(frameCount: 8))
        let after = try stream.receive(text: TwilioWire.stop)
        #expect(after.count == 2 && after.last == .end)
        let tail = Array(TwilioWire.stereo(frameCount: 10).dropFirst(2 * 8 * 160))
        #expect(audio(after) == tail.indices.map { $0 % 2 == 0 ? tail[$0] : 0 })
        #expect(stream.inbound.gapSamplesFilled == 320 && stream.inbound.gapFramesFilled == 2)
        // After stop: media ignored (not fatal), stop again and finish are no-ops.
        #expect(error(&stream, TwilioWire.frame("inbound", 8))?.isFatal == false)
        #expect(try stream.receive(text: TwilioWire.stop) == [])
        #expect(stream.finish() == [])
    }

    @Test func finishWithoutStopFlushesThenEnds() throws {
        var stream = try startedStream()
        let before = try feed(&stream, (0..<6).map { TwilioWire.frame("outbound", $0) } + (0..<3).map { TwilioWire.frame("inbound", $0) })
        #expect(audio(before).count == 2 * 3 * 160)
        let rest = stream.finish()
        #expect(rest.last == .end && audio(rest).count == 2 * 3 * 160)
        #expect(audio(before + rest).enumerated().allSatisfy { $0.offset % 2 == 1 && $0.offset >= 2 * 3 * 160 ? $0.element == 0 : $0.element != 0 })
        #expect(stream.finish() == [])
        var neverStarted = TwilioStream()
        #expect(neverStarted.finish() == [])
    }

    @Test func finishAfterAFatalErrorStillEnds() throws {
        var stream = try startedStream(tracks: ["inbound"])
        _ = try stream.receive(text: TwilioWire.frame("inbound", 0))
        #expect(error(&stream, TwilioWire.start())?.isFatal == true)
        #expect(stream.finish() == [.end])
    }

    /// Garbage and mangled messages never crash the adapter, whatever the state.
    @Test func mangledMessagesNeverCrash() {
        var generator = SeededGenerator(seed: 99)
        let seeds = [TwilioWire.connected, TwilioWire.start(), TwilioWire.frame("inbound", 3), TwilioWire.frame("outbound", 0), TwilioWire.stop]
        var stream = TwilioStream()
        for round in 0..<3_000 {
            var bytes = Array(seeds.randomElement(using: &generator)!.utf8)
            for _ in 0..<Int.random(in: 0...3, using: &generator) where !bytes.isEmpty {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[at] = UInt8.random(in: 32...126, using: &generator)
                case 1: bytes.removeSubrange(at...)
                default: bytes.insert(contentsOf: Array("\"9999999\"".utf8), at: at)
                }
            }
            do { _ = try stream.receive(text: String(decoding: bytes, as: UTF8.self)) } catch { if error.isFatal { _ = stream.finish(); stream = TwilioStream() } }
            if round % 500 == 0 { _ = stream.finish(); stream = TwilioStream() }
        }
    }
}

@Suite struct TwilioTrackAlignerTests {
    private let configuration = TwilioTrackAligner.Configuration(jitterSampleCount: 1600, maximumLeadSampleCount: 80_000)

    /// With one channel silent, each channel holds at most the jitter plus a frame.
    @Test func memoryStaysBounded() {
        var aligner = TwilioTrackAligner(channelCount: 2, configuration: configuration)
        var released = 0
        for index in 0..<2_000 {
            #expect(aligner.insert(channel: 0, chunk: index + 1, startSample: index * 160, samples: [Float](repeating: 0.5, count: 160)) == .accepted)
            released += aligner.takeReady().count / 2
            #expect(aligner.heldSampleCounts.allSatisfy { $0 <= 1600 + 160 })
        }
        #expect(released == 2_000 * 160 - 1600)
        #expect(aligner.counters[1].gapSamplesFilled == released)
    }

    @Test func framesTooFarAheadAreRejected() {
        var aligner = TwilioTrackAligner(channelCount: 1, configuration: configuration)
        #expect(aligner.insert(channel: 0, chunk: 1, startSample: 80_001, samples: [0.1]) == .tooFarAhead)
        #expect(aligner.insert(channel: 0, chunk: 2, startSample: 80_000, samples: [0.1]) == .accepted)
        #expect(aligner.counters[0].framesTooFarAhead == 1 && aligner.furthestSampleEnd == 80_001)
    }

    /// A frame straddling the release position keeps only its unreleased part.
    @Test func partlyLateFrameKeepsItsNewPart() {
        var aligner = TwilioTrackAligner(channelCount: 1, configuration: configuration)
        _ = aligner.insert(channel: 0, chunk: 1, startSample: 0, samples: [1, 2, 3, 4])
        #expect(aligner.takeReady() == [1, 2, 3, 4])
        #expect(aligner.insert(channel: 0, chunk: 2, startSample: 2, samples: [9, 9, 5, 6]) == .accepted)
        #expect(aligner.takeReady() == [5, 6])
        #expect(aligner.insert(channel: 0, chunk: 3, startSample: 0, samples: [7]) == .late)
        #expect(aligner.flush() == [] && aligner.counters[0].lateFramesDropped == 1)
    }
}
