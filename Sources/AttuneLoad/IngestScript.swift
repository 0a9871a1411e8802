import FoundationEssentials
import NIOCore

/// The messages one replayed call sends over an ingest protocol: an opening, one or more
/// messages per 20 ms frame, a closing. Built ahead so the replay loop only sends.
enum IngestProtocolKind: String, CaseIterable, Sendable {
    case native, twilio, audiohook

    var path: String { "/v1/ingest/\(rawValue)" }
}

enum Outgoing: Sendable {
    case text(String)
    case binary(ByteBuffer)
}

struct IngestScript: Sendable {
    var opening: [Outgoing]
    /// Per frame index (20 ms), what to send.
    var frames: [[Outgoing]]
    var closing: [Outgoing]

    /// - Parameters:
    ///   - frameCount: frames to send; the fixture loops when the call is longer than it.
    ///   - sessionId: AudioHook's session id (a UUID).
    init(kind: IngestProtocolKind, audio: FixtureAudio, callId: String, agentId: String, team: String, frameCount: Int, sessionId: String) {
        let source = audio.frames
        func frame(_ index: Int) -> (advisor: [UInt8], customer: [UInt8]) { source[index % source.count] }
        switch kind {
        case .native:
            opening = [.text(#"{"type":"start","callId":"\#(callId)","agentId":"\#(agentId)","team":"\#(team)","sampleRateHz":8000,"encoding":"PCMU","channels":["advisor","customer"]}"#)]
            frames = (0..<frameCount).map { index in
                let (advisor, customer) = frame(index)
                var buffer = ByteBuffer()
                buffer.reserveCapacity(2 * advisor.count)
                for sample in 0..<advisor.count { buffer.writeInteger(advisor[sample]); buffer.writeInteger(customer[sample]) }
                return [.binary(buffer)]
            }
            closing = [.text(#"{"type":"stop"}"#)]
        case .twilio:
            let streamSid = "MZ" + callId
            opening = [
                .text(#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#),
                .text(#"{"event":"start","sequenceNumber":"1","streamSid":"\#(streamSid)","start":{"accountSid":"AC0","streamSid":"\#(streamSid)","callSid":"CA\#(callId)","tracks":["inbound","outbound"],"customParameters":{"callId":"\#(callId)","agentId":"\#(agentId)","team":"\#(team)"},"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}"#),
            ]
            frames = (0..<frameCount).map { index in
                let (advisor, customer) = frame(index)
                return [("outbound", advisor), ("inbound", customer)].map { track, bytes in
                    .text(#"{"event":"media","streamSid":"\#(streamSid)","media":{"track":"\#(track)","chunk":"\#(index + 1)","timestamp":"\#(index * 20)","payload":"\#(Data(bytes).base64EncodedString())"}}"#)
                }
            }
            closing = [.text(#"{"event":"stop","streamSid":"\#(streamSid)","stop":{"accountSid":"AC0","callSid":"CA\#(callId)"}}"#)]
        case .audiohook:
            func message(_ type: String, seq: Int, parameters: String) -> String {
                #"{"version":"2","id":"\#(sessionId)","type":"\#(type)","seq":\#(seq),"serverseq":0,"position":"PT0S","parameters":\#(parameters)}"#
            }
            opening = [.text(message("open", seq: 1, parameters: #"{"organizationId":"d7934305-0972-4844-938e-9060eef73d05","conversationId":"\#(callId)","participant":{"id":"883efee8-3d6c-4537-b500-6d7ca4b92fa0","ani":"+15555550100","aniName":"","dnis":"+15555550199"},"media":[{"type":"audio","format":"PCMU","channels":["external","internal"],"rate":8000}],"language":"en-US","customConfig":{"agentId":"\#(agentId)","team":"\#(team)"}}"#))]
            frames = (0..<frameCount).map { index in
                let (advisor, customer) = frame(index)
                var buffer = ByteBuffer()
                buffer.reserveCapacity(2 * advisor.count)
                for sample in 0..<advisor.count { buffer.writeInteger(customer[sample]); buffer.writeInteger(advisor[sample]) }
                return [.binary(buffer)]
            }
            closing = [.text(message("close", seq: 2, parameters: #"{"reason":"end"}"#))]
        }
    }
}
