import AttuneLive
import NIOCore

/// `/v1/ingest/native`: Attune's own protocol (`NativeStream`).
struct NativeAdapter: IngestAdapter {
    static let ingestProtocol = IngestProtocol.native
    private var stream = NativeStream()

    mutating func receive(text: String) -> IngestStep {
        do { return IngestStep(events: try stream.receive(text: text)) } catch { return .failure(error) }
    }

    mutating func receive(binary: ByteBuffer) -> IngestStep {
        do { return IngestStep(events: try stream.receive(binary: binary.readableBytesView)) } catch { return .failure(error) }
    }

    mutating func connectionClosed() -> IngestStep { IngestStep(events: [.end]) }

    mutating func refusal(_ reason: String) -> IngestStep {
        IngestStep(replies: [NativeStream.errorMessage(reason)], close: reason)
    }
}
