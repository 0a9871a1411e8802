import AttuneScoring
import AttuneCalibration
import Foundation
import Testing
@testable import AttuneLive

/// `TwilioMediaReader` reads plain media messages without `JSONDecoder`, and must never disagree
/// with it: for any text it gives `JSONDecoder`'s message or nil (and `TwilioStream` then decodes).
@Suite struct TwilioMediaReaderTests {
    static func decoded(_ text: String) -> TwilioMediaMessage? {
        guard let message = try? JSONDecoder().decode(TwilioMediaMessage.self, from: Data(text.utf8)), message.event == "media" else { return nil }
        return message
    }

    /// Media messages exactly as Twilio sends them are read by the fast path.
    @Test func twilioFormIsRead() throws {
        let text = #"{"event":"media","sequenceNumber":"3","media":{"track":"outbound","chunk":"1","timestamp":"5","payload":"no+JhoaJjpzSHxAKBgYJDhMmq5/"},"streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0"}"#
        let read = try #require(TwilioMediaReader.media(text))
        #expect(read == Self.decoded(text))
        #expect(read.media.payload == "no+JhoaJjpzSHxAKBgYJDhMmq5/" && read.sequenceNumber == "3" && read.streamSid?.hasPrefix("MZ") == true)
        // Integers where Twilio writes strings: read as the decoder reads them.
        let numeric = #"{ "event" : "media", "media" : { "payload" : "AAAA", "timestamp" : 40, "chunk" : -2, "track" : "inbound" } }"#
        let readNumeric = try #require(TwilioMediaReader.media(numeric))
        #expect(readNumeric == Self.decoded(numeric) && readNumeric.media.chunk == "-2" && readNumeric.media.timestamp == "40")
    }

    /// Ten thousand variants (key order, spacing, numbers as strings or integers, optional and
    /// unknown keys, escapes, floats, nulls, arrays, repeated keys, wrong types, truncation): the
    /// reader gives the decoder's message or nil, never anything else; and it reads most of the
    /// plain ones.
    @Test func neverDisagreesWithJSONDecoder() {
        var generator = SeededGenerator(seed: 2026)
        var read = 0, plain = 0
        for _ in 0..<10_000 {
            let (text, isPlain) = Self.variant(using: &generator)
            let fast = TwilioMediaReader.media(text)
            if let fast {
                read += 1
                #expect(fast == Self.decoded(text), "disagrees on \(text)")
            }
            if isPlain {
                plain += 1
                #expect(fast != nil, "a plain message not read: \(text)")
            }
        }
        #expect(plain > 2_000 && read >= plain, "plain \(plain), read \(read)")
    }

    /// A message the reader leaves to the decoder (an escaped slash in the payload) gives the
    /// stream the same audio as the plain one.
    @Test func escapedMessagesGoThroughTheDecoder() throws {
        func stream(_ payload: String) throws -> [IngestEvent] {
            var stream = TwilioStream()
            _ = try stream.receive(text: #"{"event":"start","streamSid":"MZ1","start":{"streamSid":"MZ1","callSid":"CA1","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}"#)
            let media = #"{"event":"media","streamSid":"MZ1","media":{"track":"inbound","chunk":"1","timestamp":"0","payload":"\#(payload)"}}"#
            return try stream.receive(text: media) + stream.finish()
        }
        let payload = Data((0..<160).map { UInt8(($0 * 37) & 0xFF) }).base64EncodedString()
        #expect(payload.contains("/"))
        #expect(TwilioMediaReader.media(#"{"event":"media","media":{"track":"inbound","chunk":"1","timestamp":"0","payload":"\#(payload.replacingOccurrences(of: "/", with: "\\/"))"}}"#) == nil)
        #expect(try stream(payload) == stream(payload.replacingOccurrences(of: "/", with: "\\/")))
    }

    // MARK: Variants

    /// A random media-like message, and whether it is plain (the reader must read it).
    static func variant(using generator: inout SeededGenerator) -> (String, Bool) {
        var plain = true
        func pick<T>(_ choices: [T]) -> T { choices[Int.random(in: 0..<choices.count, using: &generator)] }
        func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &generator) < p }
        func space() -> String { chance(0.2) ? pick([" ", "\n", "\t ", "\r\n  "]) : "" }
        func number(_ value: Int) -> String {
            // As Twilio (a string), as an integer, or as something only the decoder may judge.
            switch Int.random(in: 0..<10, using: &generator) {
            case 0...4: return "\"\(value)\""
            case 5...7: return "\(value)"
            case 8: plain = false; return pick(["\(value).0", "\(value)e0", "0\(value)", "99999999999999999999", "null", "true", "\"\(value)\\u0030\""])
            default: return "-\(value)"
            }
        }
        func string(_ value: String) -> String {
            guard chance(0.08) else { return "\"\(value)\"" }
            plain = false
            return pick(["\"\(value)\\/\"", "\"\\u0041\(value)\"", "\(value.count)", "null", "[\"\(value)\"]"])
        }
        let payload = Data((0..<Int.random(in: 1...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
        var media: [(String, String)] = [
            ("track", string(pick(["inbound", "outbound", "both", "é"]))), ("chunk", number(Int.random(in: 0...5000, using: &generator))),
            ("timestamp", number(Int.random(in: 0...100_000, using: &generator))), ("payload", string(payload)),
        ]
        if chance(0.1) { plain = false; media.remove(at: Int.random(in: 0..<media.count, using: &generator)) }
        if chance(0.1) { media.append(("extra", pick(["1", "\"x\"", "{\"a\":2}"]))) }
        var top: [(String, String)] = [("event", chance(0.05) ? { plain = false; return "\"mark\"" }() : string("media"))]
        top.append(("media", "{" + media.shuffled(using: &generator).map { space() + "\"\($0.0)\"" + space() + ":" + space() + $0.1 + space() }.joined(separator: ",") + "}"))
        if chance(0.7) { top.append(("sequenceNumber", number(Int.random(in: 1...100_000, using: &generator)))) }
        if chance(0.7) { top.append(("streamSid", string("MZ" + String(Int.random(in: 0...999_999, using: &generator))))) }
        if chance(0.1) { top.append(("custom", pick(["{\"n\":{\"m\":\"v\"}}", "-3", "\"é ü\""]))) }
        if chance(0.04) { plain = false; top.append((pick(["event", "streamSid"]), "\"again\"")) }
        if chance(0.04) { plain = false; top.append(("flag", pick(["false", "[1,2]", "1.5", "null"]))) }
        var text = space() + "{" + top.shuffled(using: &generator).map { space() + "\"\($0.0)\"" + space() + ":" + space() + $0.1 + space() }.joined(separator: ",") + "}" + space()
        if chance(0.04) {
            plain = false
            text = chance(0.5) ? String(text.prefix(Int.random(in: 0..<text.count, using: &generator))) : text + pick(["}", ",", "x", "{}"])
        }
        return (text, plain)
    }
}
