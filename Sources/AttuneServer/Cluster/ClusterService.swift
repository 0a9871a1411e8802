import AttuneLive
import AttuneStore
import FoundationEssentials
import Logging
import ServiceLifecycle
import Synchronization

/// Several `attune serve` sharing one store. Every server:
/// - records its calls under way in the store (`IngestDriver`) and reports itself alive every
///   `heartbeatSeconds`; a server that stops reporting for `staleAfterSeconds` (or whose process
///   is gone, on the same machine) has its calls ended as `interrupted`, in the store and on
///   every other server's walls and desktops;
/// - on a PostgreSQL store, sends its hub's events (call starts, updates, alerts, ends, contexts)
///   to the others with `NOTIFY` and applies theirs, so a desktop or wall connected to any server
///   follows every call. A server joining late learns the calls already live from the store.
/// With a SQLite store only the first applies (one server; after a crash, the restarted server
/// ends its predecessor's calls as interrupted).
struct ClusterService: Service {
    let state: LiveServerState
    let store: ResultsStore
    let logger: Logger

    static let channelName = "attune_live"
    static let heartbeatSeconds = 2
    static let staleAfterSeconds = 10.0
    /// Events waiting to be sent at most; beyond it the oldest are dropped (a store that cannot
    /// keep up must not grow memory without bound).
    static let maximumWaitingEvents = 50_000

    /// One message on the channel: an event, or a server's hello to itself (it knows its `LISTEN`
    /// is in effect once its own hello comes back).
    struct Envelope: Codable {
        var origin: String
        var event: HubEvent?
        var hello: String?
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await heartbeats() }
                if let channel = store.channel(Self.channelName) {
                    group.addTask { await relay(channel) }
                }
            }
        }
    }

    /// Reports this server alive and ends the calls of servers that are not.
    private func heartbeats() async {
        while !Task.isCancelled {
            do {
                let interrupted = try await store.liveServerHeartbeat(serverId: state.serverId, staleAfterSeconds: Self.staleAfterSeconds)
                for callId in interrupted {
                    state.hub.endInterrupted(callId: callId)
                    logger.notice("call interrupted: its server stopped", metadata: ["callId": "\(callId)"])
                }
            } catch {
                logger.error("could not report this server to the store", metadata: ["error": "\(error)"])
            }
            do { try await Task.sleep(for: .seconds(Self.heartbeatSeconds)) } catch { return }
        }
    }

    /// Sends this hub's events and applies the others'.
    private func relay(_ channel: StoreChannel) async {
        let outbox = Outbox(capacity: Self.maximumWaitingEvents)
        state.hub.relayEvents { outbox.put($0) }
        let me = state.serverId, hub = state.hub, logger = logger
        let hello = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let (ready, readiness) = AsyncStream<Void>.makeStream()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    // This server's own events come back too: skipped before decoding.
                    let ownEvent = Self.eventPrefix(origin: me)
                    for try await text in channel.messages {
                        if text.hasPrefix(ownEvent) { continue }
                        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(text.utf8)) else { continue }
                        if envelope.origin == me {
                            if envelope.hello == hello { readiness.yield(); readiness.finish() }
                        } else if let event = envelope.event {
                            hub.apply(event)
                        }
                    }
                } catch {
                    if !Task.isCancelled { logger.error("the other servers' events stopped", metadata: ["error": "\(error)"]) }
                }
            }
            group.addTask {
                // A hello sent before `LISTEN` took effect is lost: say it every second until it
                // is heard. Then learn the calls already live on the other servers.
                let greeting = Task {
                    while !Task.isCancelled {
                        try? await channel.send([Self.encode(Envelope(origin: me, hello: hello))])
                        try? await Task.sleep(for: .seconds(1))
                    }
                }
                var waiting = ready.makeAsyncIterator()
                _ = await waiting.next()
                greeting.cancel()
                do {
                    for call in try await store.liveCalls(otherThan: me) { hub.apply(.started(call.info)) }
                } catch {
                    logger.error("could not read the other servers' live calls", metadata: ["error": "\(error)"])
                }
            }
            group.addTask {
                for await _ in outbox.signals {
                    let payloads = outbox.take().compactMap { event -> String? in
                        let text = Self.eventPrefix(origin: me) + Self.encode(event) + "}"
                        guard text.utf8.count <= StoreChannel.maximumBytes else {
                            logger.warning("event too large to send to the other servers", metadata: ["callId": "\(event.callId)", "bytes": "\(text.utf8.count)"])
                            return nil
                        }
                        return text
                    }
                    do { try await channel.send(payloads) } catch {
                        logger.error("could not send events to the other servers", metadata: ["error": "\(error)", "events": "\(payloads.count)"])
                    }
                }
            }
            await group.waitForAll()
        }
    }

    /// An event's envelope up to the event itself, written by hand so that its start is known
    /// (`{"origin":…,"event":`): a server recognises its own events by it without decoding them.
    private static func eventPrefix(origin: String) -> String { #"{"origin":"# + encode(origin) + #","event":"# }

    private static func encode(_ value: some Encodable) -> String {
        (try? JSONEncoder().encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// Events waiting to be sent, taken all at once by the sender (one round trip for many).
private final class Outbox: Sendable {
    private let pending = Mutex<[HubEvent]>([])
    private let capacity: Int
    let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    init(capacity: Int) {
        self.capacity = capacity
        (signals, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    func put(_ event: HubEvent) {
        pending.withLock { pending in
            if pending.count >= capacity { pending.removeFirst(pending.count - capacity + 1) }
            pending.append(event)
        }
        signal.yield()
    }

    func take() -> [HubEvent] {
        pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
    }
}
