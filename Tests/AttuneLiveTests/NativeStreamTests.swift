import AttuneDSP
import AttuneLive
import AttunePipeline
import Testing

/// Attune's own ingest protocol: the happy path, and every way a client can break it gets a
/// reason (fatal when the stream cannot go on).
@Suite struct NativeStreamTests {
    static let start = #"{"type":"start","callId":"c-1","agentId":"alice","team":"north","sampleRateHz":8000,"encoding":"L16","channels":["advisor","customer"]}"#

    @Test func startAudioStop() throws {
        var stream = NativeStream()
        let started = try stream.receive(text: Self.start)
        #expect(started == [.start(LiveCallSetup(callId: "c-1", agentId: "alice", team: "north", layout: .stereo(advisorChannel: 0), sampleRateHz: 8000))])
        // Two stereo sample frames: (0.5, -0.5), (0, 1 - 1/32768).
        let audio = try stream.receive(binary: [0x00, 0x40, 0x00, 0xC0, 0x00, 0x00, 0xFF, 0x7F] as [UInt8])
        #expect(audio == [.audio([0.5, -0.5, 0, Float(32767) / 32768])])
        #expect(try stream.receive(text: #"{"type":"stop"}"#) == [.end])
    }

    @Test func customerFirstAndMuLaw() throws {
        var stream = NativeStream()
        let started = try stream.receive(text: #"{"type":"start","callId":"c-2","sampleRateHz":8000,"encoding":"PCMU","channels":["customer","advisor"]}"#)
        #expect(started == [.start(LiveCallSetup(callId: "c-2", agentId: nil, team: nil, layout: .stereo(advisorChannel: 1), sampleRateHz: 8000))])
        #expect(try stream.receive(binary: [0xFF, 0x7F] as [UInt8]) == [.audio([G711.muLawToFloat[0xFF], G711.muLawToFloat[0x7F]])])
    }

    /// (messages before the bad one, the bad one, whether it must be fatal, a word of the reason)
    static let broken: [(String, [String], Message, Bool, String)] = [
        ("not JSON before start", [], .text("hello"), true, "JSON"),
        ("start without a sample rate", [], .text(#"{"type":"start","callId":"x","encoding":"L16","channels":["advisor","customer"]}"#), true, "sampleRateHz"),
        ("unsupported rate", [], .text(#"{"type":"start","callId":"x","sampleRateHz":1000,"encoding":"L16","channels":["advisor","customer"]}"#), true, "1000"),
        ("PCMU at 16 kHz", [], .text(#"{"type":"start","callId":"x","sampleRateHz":16000,"encoding":"PCMU","channels":["advisor","customer"]}"#), true, "PCMU"),
        ("three channels", [], .text(#"{"type":"start","callId":"x","sampleRateHz":8000,"encoding":"L16","channels":["advisor","customer","mixed"]}"#), true, "channels"),
        ("empty call id", [], .text(#"{"type":"start","callId":"","sampleRateHz":8000,"encoding":"L16","channels":["advisor"]}"#), true, "callId"),
        ("audio before start", [], .binary([0, 0, 0, 0]), true, "before start"),
        ("half a sample frame", [start], .binary([0, 0, 0]), true, "whole sample frames"),
        ("a second start", [start], .text(start), true, "second start"),
        ("stop before start", [], .text(#"{"type":"stop"}"#), true, "stop"),
        ("unknown type after start", [start], .text(#"{"type":"mark"}"#), false, "unknown"),
    ]

    enum Message { case text(String), binary([UInt8]) }

    @Test(arguments: 0..<broken.count)
    func brokenStreamsGetAReason(index: Int) {
        let (name, before, message, fatal, word) = Self.broken[index]
        var stream = NativeStream()
        for text in before { _ = try? stream.receive(text: text) }
        let error = #expect(throws: IngestError.self, "\(name)") {
            switch message {
            case .text(let text): _ = try stream.receive(text: text)
            case .binary(let bytes): _ = try stream.receive(binary: bytes)
            }
        }
        #expect(error?.isFatal == fatal, "\(name)")
        #expect(error?.reason.contains(word) == true, "\(name): \(error?.reason ?? "")")
        #expect(error?.reply?.contains(#""type":"error""#) == true, "\(name): the client is told")
    }
}
