import AttuneLive
import NIOCore
import NIOWebSocket
import ServiceLifecycle

/// `/v1/live/calls/{callId}/ws`: one desktop watching one call, as a task (a desktop gets about
/// one message a second, so unlike ingest it can afford one). Its mailbox holds the
/// newest update and queued alerts, so a desktop that reads slowly holds up nobody; the socket
/// closes when the call ends, the desktop goes away or the server shuts down.
enum DesktopSocket {
    static func run(_ asyncChannel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, callId: String, role: AccessRole, state: LiveServerState) async {
        try? await asyncChannel.executeThenClose { inbound, outbound in
            guard let mailbox = try? state.hub.subscribe(callId: callId, role: role) else {
                try await outbound.write(.close(.normalClosure, reason: "the call has ended"))
                return
            }
            defer { state.hub.unsubscribe(mailbox) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Read what the desktop sends: pings are answered; its close (or the socket's end)
                // ends the subscription, and the writer answers with the server's close.
                group.addTask {
                    reading: for try await frame in inbound {
                        switch frame.opcode {
                        case .ping: try await outbound.write(.pong(frame.unmaskedData))
                        case .connectionClose: break reading
                        default: continue
                        }
                    }
                    mailbox.close()
                }
                group.addTask {
                    try await withGracefulShutdownHandler {
                        while let delivery = await mailbox.next() {
                            guard case .message(let message) = delivery else { continue }
                            try await outbound.write(.text(message.jsonText()))
                        }
                    } onGracefulShutdown: {
                        mailbox.close()
                    }
                    try await outbound.write(.close(.normalClosure, reason: "the call has ended"))
                }
                // The first to end: the reader (the desktop left) or the writer (the call ended or
                // the server is shutting down). The other gets the close handshake's time.
                try await group.next()
                group.addTask { try await Task.sleep(for: .seconds(LiveServer.closeHandshakeSeconds)) }
                try await group.next()
                group.cancelAll()
            }
        }
    }
}
