import FoundationEssentials
import NIOCore

/// The messages one replayed call sends over an ingest protocol: an opening, one or more
/// messages per 20 ms frame, a closing, each already a complete masked WebSocket frame
/// (`WebSocketWire`), so the replay loop only writes.
enum IngestProtocolKind: String, CaseIterable, Sendable {
    case native, twilio, audiohook

    var path: String { "/v1/ingest/\(rawValue)" }
}

/// One cycle of the fixture as a protocol sends it, built once per run and shared by every
/// call (the calls differ only in their opening and closing messages, and Twilio's counters).
enum FixtureFrames: Sendable {
    /// Interleaved μ-law frames as binary WebSocket frames: native (advisor first) or AudioHook
    /// (external, the customer, first).
    case binary([ByteBuffer])
    /// Twilio: each frame's base64 payload per track.
    case twilio([(outbound: String, inbound: String)])

    init(kind: IngestProtocolKind, audio: FixtureAudio) {
        switch kind {
        case .native: self = .binary(audio.frames.map { Self.interleave($0.advisor, $0.customer) })
        case .audiohook: self = .binary(audio.frames.map { Self.interleave($0.customer, $0.advisor) })
        case .twilio: self = .twilio(audio.frames.map { (Data($0.advisor).base64EncodedString(), Data($0.customer).base64EncodedString()) })
        }
    }

    static func interleave(_ first: [UInt8], _ second: [UInt8]) -> ByteBuffer {
        var samples: [UInt8] = []
        samples.reserveCapacity(first.count + second.count)
        for sample in first.indices { samples.append(first[sample]); samples.append(second[sample]) }
        return WebSocketWire.clientFrame(.binary, payload: samples)
    }
}

struct IngestScript: Sendable {
    var opening: [ByteBuffer]
    var closing: [ByteBuffer]
    /// 20 ms frames to send; the fixture loops when the call is longer than it.
    var frameCount: Int
    private var frames: FixtureFrames
    private var streamSid = ""

    /// - Parameter sessionId: AudioHook's session id (a UUID).
    init(kind: IngestProtocolKind, frames: FixtureFrames, callId: String, agentId: String, team: String, frameCount: Int, sessionId: String) {
        self.frames = frames
        self.frameCount = frameCount
        switch kind {
        case .native:
            opening = [WebSocketWire.clientFrame(#"{"type":"start","callId":"\#(callId)","agentId":"\#(agentId)","team":"\#(team)","sampleRateHz":8000,"encoding":"PCMU","channels":["advisor","customer"]}"#)]
            closing = [WebSocketWire.clientFrame(#"{"type":"stop"}"#)]
        case .twilio:
            streamSid = "MZ" + callId
            opening = [
                WebSocketWire.clientFrame(#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#),
                WebSocketWire.clientFrame(#"{"event":"start","sequenceNumber":"1","streamSid":"\#(streamSid)","start":{"accountSid":"AC0","streamSid":"\#(streamSid)","callSid":"CA\#(callId)","tracks":["inbound","outbound"],"customParameters":{"callId":"\#(callId)","agentId":"\#(agentId)","team":"\#(team)"},"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}"#),
            ]
            closing = [WebSocketWire.clientFrame(#"{"event":"stop","streamSid":"\#(streamSid)","stop":{"accountSid":"AC0","callSid":"CA\#(callId)"}}"#)]
        case .audiohook:
            func message(_ type: String, seq: Int, parameters: String) -> String {
                #"{"version":"2","id":"\#(sessionId)","type":"\#(type)","seq":\#(seq),"serverseq":0,"position":"PT0S","parameters":\#(parameters)}"#
            }
            opening = [WebSocketWire.clientFrame(message("open", seq: 1, parameters: #"{"organizationId":"d7934305-0972-4844-938e-9060eef73d05","conversationId":"\#(callId)","participant":{"id":"883efee8-3d6c-4537-b500-6d7ca4b92fa0","ani":"+15555550100","aniName":"","dnis":"+15555550199"},"media":[{"type":"audio","format":"PCMU","channels":["external","internal"],"rate":8000}],"language":"en-US","customConfig":{"agentId":"\#(agentId)","team":"\#(team)"}}"#))]
            closing = [WebSocketWire.clientFrame(message("close", seq: 2, parameters: #"{"reason":"end"}"#))]
        }
    }

    /// Gives `write` what 20 ms frame `index` sends: one WebSocket frame, or one per Twilio
    /// track, each to be flushed on its own as Twilio sends them.
    func send(frame index: Int, write: (ByteBuffer) -> Void) {
        switch frames {
        case .binary(let cycle):
            write(cycle[index % cycle.count])
        case .twilio(let cycle):
            let payloads = cycle[index % cycle.count]
            for (track, payload) in [("outbound", payloads.outbound), ("inbound", payloads.inbound)] {
                write(WebSocketWire.clientFrame(#"{"event":"media","streamSid":"\#(streamSid)","media":{"track":"\#(track)","chunk":"\#(index + 1)","timestamp":"\#(index * 20)","payload":"\#(payload)"}}"#))
            }
        }
    }
}
