import AttuneLive
import NIOCore

/// `/v1/ingest/audiohook`: Genesys AudioHook v2 (`AudioHookSession`); the upgrade request was
/// authenticated by the route.
struct AudioHookAdapter: IngestAdapter {
    static let ingestProtocol = IngestProtocol.audiohook
    private var session: AudioHookSession

    init(configuration: AudioHookSession.Configuration) {
        session = AudioHookSession(configuration: configuration)
    }

    mutating func receive(text: String) -> IngestStep { Self.step(session.receive(text: text)) }

    mutating func receive(binary: ByteBuffer) -> IngestStep { Self.step(session.receive(binary: Array(binary.readableBytesView))) }

    /// `close` → `closed` already ended the call; otherwise the socket dropped mid-call.
    mutating func connectionClosed() -> IngestStep { IngestStep(events: [.end]) }

    /// Refused at `open` (e.g. the conversation is already live): `disconnect` (reason `error`)
    /// instead of `opened`, then the client's `close` is awaited and answered `closed`.
    mutating func refusal(_ reason: String) -> IngestStep {
        Self.step(session.refuse(info: reason))
    }

    /// Alerts as AudioHook `event` messages, when the client asked for them in `open`
    /// (`customConfig.attuneEvents: true`).
    mutating func replies(forAlerts alerts: [LiveAlert]) -> [String] { session.events(for: alerts) }

    private static func step(_ hook: AudioHookStep) -> IngestStep {
        var step = IngestStep(events: hook.events, replies: hook.replies)
        if let reason = hook.closeReason {
            step.close = reason
            step.closesNormally = hook.error == nil
        } else if let error = hook.error {
            // `disconnect` sent; the protocol now waits for the client's `close`.
            step.problem = error.reason
        }
        return step
    }
}
