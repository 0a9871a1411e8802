import AttuneDSP
import AttunePipeline
import FoundationEssentials

/// Attune's own ingest protocol (`/v1/ingest/native`), for platforms we have no adapter for:
///
/// 1. text `{"type": "start", "callId": "c-1", "agentId": "alice", "team": "north",
///    "sampleRateHz": 8000, "encoding": "L16" | "PCMU", "channels": ["advisor", "customer"]}`
///    (`channels`: whose voice each interleaved channel is: two of `advisor`/`customer`, or one of
///    `advisor`/`customer`/`mixed`; `agentId` and `team` optional);
/// 2. binary frames of interleaved samples (L16: 16-bit little-endian; PCMU: μ-law bytes), whole
///    sample frames only, any length (20 ms is usual);
/// 3. text `{"type": "stop"}`.
///
/// The server answers protocol errors with `{"type": "error", "reason": …}` (and closes the
/// socket when the stream cannot go on).
public struct NativeStream: Sendable {
    public enum Encoding: String, Sendable, Codable { case L16, PCMU }

    private struct Start: Decodable {
        var type: String
        var callId: String
        var agentId: String?
        var team: String?
        var sampleRateHz: Int
        var encoding: Encoding
        var channels: [Party]
    }

    private struct Envelope: Decodable { var type: String }

    private var setup: LiveCallSetup?
    private var encoding = Encoding.L16
    private var ended = false
    /// Largest binary message accepted (bytes): one second of 48 kHz stereo L16.
    public static let maximumBinaryBytes = 48_000 * 2 * 2

    public init() {}

    /// A text message: `start` or `stop`.
    public mutating func receive(text: String) throws(IngestError) -> [IngestEvent] {
        let data = Data(text.utf8)
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: data) else {
            throw Self.error("not a JSON message with a \"type\"", fatal: setup == nil)
        }
        switch envelope.type {
        case "start":
            guard setup == nil else { throw Self.error("a second start message", fatal: true) }
            let start: Start
            do { start = try JSONDecoder().decode(Start.self, from: data) } catch {
                throw Self.error("start needs callId, sampleRateHz, encoding (L16 or PCMU) and channels (advisor, customer or mixed)", fatal: true)
            }
            guard !start.callId.isEmpty, start.callId.count <= 200 else { throw Self.error("callId must be 1–200 characters", fatal: true) }
            guard SignalEngine.supports(sampleRateHz: start.sampleRateHz) else {
                throw Self.error("sampleRateHz \(start.sampleRateHz) is not supported (\(AudioLimits.sampleRateRequirement))", fatal: true)
            }
            let layout: ChannelLayout
            if start.channels == [.advisor, .customer] {
                layout = .stereo(advisorChannel: 0)
            } else if start.channels == [.customer, .advisor] {
                layout = .stereo(advisorChannel: 1)
            } else if start.channels.count == 1 {
                layout = .mono(party: start.channels[0])
            } else {
                throw Self.error("channels must be [advisor, customer], [customer, advisor] or one party", fatal: true)
            }
            encoding = start.encoding
            if encoding == .PCMU && start.sampleRateHz != 8000 { throw Self.error("PCMU is 8000 Hz", fatal: true) }
            let setup = LiveCallSetup(callId: start.callId, agentId: start.agentId, team: start.team, layout: layout, sampleRateHz: start.sampleRateHz)
            self.setup = setup
            return [.start(setup)]
        case "stop":
            guard setup != nil, !ended else { throw Self.error("stop without a started call", fatal: true) }
            ended = true
            return [.end]
        default:
            throw Self.error("unknown message type \"\(envelope.type.prefix(40))\"", fatal: false)
        }
    }

    /// A binary message: interleaved samples.
    public mutating func receive(binary bytes: some Collection<UInt8>) throws(IngestError) -> [IngestEvent] {
        guard let setup, !ended else { throw Self.error("audio before start or after stop", fatal: true) }
        let frameBytes = setup.layout.channelCount * (encoding == .L16 ? 2 : 1)
        guard bytes.count <= Self.maximumBinaryBytes else { throw Self.error("audio message of \(bytes.count) bytes (at most \(Self.maximumBinaryBytes))", fatal: true) }
        guard bytes.count % frameBytes == 0 else {
            throw Self.error("audio message of \(bytes.count) bytes is not whole sample frames of \(frameBytes) bytes", fatal: true)
        }
        var samples: [Float] = []
        switch encoding {
        case .L16: G711.decodeL16(bytes, into: &samples)
        case .PCMU: G711.decodeMuLaw(bytes, into: &samples)
        }
        return [.audio(samples)]
    }

    /// `{"type": "error", "reason": …}`
    public static func errorMessage(_ reason: String) -> String {
        (try? JSONEncoder().encode(["type": "error", "reason": reason])).map { String(decoding: $0, as: UTF8.self) } ?? #"{"type":"error"}"#
    }

    private static func error(_ reason: String, fatal: Bool) -> IngestError {
        IngestError(reason: reason, isFatal: fatal, reply: errorMessage(reason))
    }
}
