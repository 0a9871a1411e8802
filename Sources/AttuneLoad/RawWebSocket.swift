import NIOCore
import NIOSSL

/// The client side of RFC 6455 as a load generator needs it, and no more: the upgrade handshake,
/// frames encoded and masked once ahead of time (`WebSocketWire.clientFrame`) so that sending
/// one is a single write of shared bytes, and the server's frames parsed in place.
///
/// Not a general client: no fragmented sends, no extensions. Every frame uses one fixed masking
/// key. RFC 6455 asks for unpredictable keys to protect intermediaries from scripts in browsers;
/// a load generator talking to its own server has no such intermediary, and a server cannot
/// (and must not) tell the difference.
enum WebSocketWire {
    enum Opcode: UInt8 {
        case text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA
    }

    static let maskingKey: [UInt8] = [0x5A, 0x3C, 0x96, 0xE1]

    /// One final client frame (masked), ready to write as is.
    static func clientFrame(_ opcode: Opcode, payload: some Collection<UInt8>) -> ByteBuffer {
        let count = payload.count
        var buffer = ByteBuffer()
        buffer.reserveCapacity(count + 14)
        buffer.writeInteger(0x80 | opcode.rawValue)
        switch count {
        case ..<126: buffer.writeInteger(UInt8(0x80 | count))
        case ...0xFFFF: buffer.writeInteger(UInt8(0x80 | 126)); buffer.writeInteger(UInt16(count))
        default: buffer.writeInteger(UInt8(0x80 | 127)); buffer.writeInteger(UInt64(count))
        }
        buffer.writeBytes(maskingKey)
        for (index, byte) in payload.enumerated() { buffer.writeInteger(byte ^ maskingKey[index & 3]) }
        return buffer
    }

    static func clientFrame(_ text: String) -> ByteBuffer { clientFrame(.text, payload: text.utf8) }

    /// A close frame with status 1000 (normal closure).
    static let normalClose = clientFrame(.close, payload: [0x03, 0xE8])

    /// The upgrade request for `path` on `host` (headers as name, value pairs).
    static func upgradeRequest(host: String, path: String, headers: [(String, String)]) -> ByteBuffer {
        var request = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: YXR0dW5lLWxvYWQtdG9vbA==\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        return ByteBuffer(string: request)
    }
}

/// One client WebSocket on a NIO channel: sends the upgrade request when the channel becomes
/// active, then hands every complete server message to `onEvent` (on the channel's event loop).
/// Answers pings and the server's close. Every way the socket can end is told apart, so that the
/// load tool can count each: the TCP connection was never made or, over TLS, its handshake failed
/// (`connectFailed`), the upgrade was
/// answered with another status than 101 (`refused`), or the socket ended (`closed`, with who
/// ended it and the close code).
final class RawWebSocketHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Who ended a socket.
    enum Ending: Equatable {
        /// This client: it sent its close frame first, closed the connection itself (`abort`), or
        /// gave up on a refused upgrade.
        case client
        /// The server, with the code of its close frame, sent before this client sent one; 1005
        /// (RFC 6455 §7.4.1: no status received) when the frame carried no code, and 1006 (closed
        /// abnormally) when the connection ended without a close frame (reset, end of stream, or a
        /// stream this client could not read).
        case server(code: UInt16)
    }

    enum Event {
        /// The server accepted the upgrade.
        case open
        /// A text or binary message from the server (unfragmented).
        case message(WebSocketWire.Opcode, ByteBuffer)
        /// The TCP connection could not be made (refused, timed out, unreachable), or its TLS
        /// handshake failed (a `NIOSSLClientHandler` in front of this one).
        case connectFailed(String)
        /// The server answered the upgrade request with `status` (not 101); its status line.
        case refused(status: Int, statusLine: String)
        /// The connection is gone (always the last event, and sent once).
        case closed(Ending)
    }

    /// RFC 6455 §7.4.1: a close frame without a status code.
    static let noStatusCode: UInt16 = 1005
    /// RFC 6455 §7.4.1: the connection ended without a close frame.
    static let abnormalClosureCode: UInt16 = 1006

    private let request: ByteBuffer
    let onEvent: (Event) -> Void
    /// The connection, once the handler is in its pipeline.
    private(set) var channel: (any Channel)?
    private var pending: ByteBuffer?
    private var isOpen = false
    private var sentClose = false
    /// This client ended the connection (close frame sent first, `abort`, a refused upgrade).
    private var closedByClient = false
    /// The code of the server's close frame, when it sent one before this client sent its own.
    private var serverCloseCode: UInt16?
    private var reportedClosed = false

    init(request: ByteBuffer, onEvent: @escaping (Event) -> Void) {
        self.request = request
        self.onEvent = onEvent
    }

    func handlerAdded(context: ChannelHandlerContext) {
        channel = context.channel
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }

    /// The TCP connection could not be made: `connectFailed`, then `closed` (the channel never
    /// became active, so `channelInactive` does not come). A connection this client abandoned
    /// (`abort`) while it was being made is only `closed`.
    func connectFailed(_ error: any Error) {
        guard !reportedClosed else { return }
        if !closedByClient {
            closedByClient = true
            onEvent(.connectFailed("\(error)"))
        }
        reportClosed()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if pending != nil { pending!.writeBuffer(&bytes) } else { pending = bytes }
        if !isOpen {
            guard let view = pending?.readableBytesView, let end = Self.headerEnd(view) else { return }
            let head = pending!.readString(length: end - view.startIndex + 4) ?? ""
            let statusLine = String(head.prefix { $0 != "\r" })
            let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            guard status == 101 else {
                closedByClient = true
                onEvent(.refused(status: status, statusLine: statusLine))
                pending = nil
                context.close(promise: nil)
                return
            }
            isOpen = true
            onEvent(.open)
        }
        while let (opcode, payload) = nextFrame() {
            switch opcode {
            case .text: onEvent(.message(.text, payload))
            case .binary: onEvent(.message(.binary, payload))
            case .ping: context.writeAndFlush(wrapOutboundOut(WebSocketWire.clientFrame(.pong, payload: payload.readableBytesView)), promise: nil)
            case .close:
                if !sentClose {
                    serverCloseCode = payload.getInteger(at: payload.readerIndex, as: UInt16.self) ?? Self.noStatusCode
                    sentClose = true
                    context.writeAndFlush(wrapOutboundOut(WebSocketWire.normalClose), promise: nil)
                }
                context.close(promise: nil)
                return
            case .pong, nil: break
            }
        }
        if pending?.readableBytes == 0 { pending = nil } else { pending?.discardReadBytes() }
    }

    /// Sends a close frame; the channel closes when the server answers (or goes away). Before
    /// the upgrade, closes the connection.
    func close() {
        guard !sentClose, isOpen else {
            if !isOpen { abort() }
            return
        }
        sentClose = true
        closedByClient = true
        channel?.writeAndFlush(WebSocketWire.normalClose, promise: nil)
    }

    /// Closes the connection without a close frame (this client's decision, never counted as the
    /// server's).
    func abort() {
        if serverCloseCode == nil { closedByClient = true }
        channel?.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        reportClosed()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A TLS handshake that failed (the connection closing during it included): no
        // connection was made, as when TCP's fails (unless this client had abandoned it).
        if !isOpen, !closedByClient, !reportedClosed, Self.isTLSHandshakeFailure(error) {
            closedByClient = true
            onEvent(.connectFailed("TLS handshake failed: \(error)"))
        }
        // A reset or a broken stream: the socket ends, and unless this client had already ended
        // it, the server did, without a close frame (1006).
        context.close(promise: nil)
    }

    /// NIOSSL's errors of a handshake: BoringSSL's failure (a certificate not trusted, the
    /// connection closed during it, …) and NIOSSL's own checks after it (the certificate not
    /// valid for the name asked for). Not those of a connection already made (such as an end
    /// without close_notify).
    static func isTLSHandshakeFailure(_ error: any Error) -> Bool {
        if error is NIOSSLExtraError { return true }
        switch error as? NIOSSLError {
        case .handshakeFailed, .noCertificateToValidate, .unableToValidateCertificate, .cannotFindPeerIP, .cannotMatchULabel: return true
        default: return false
        }
    }

    private func reportClosed() {
        guard !reportedClosed else { return }
        reportedClosed = true
        if let serverCloseCode {
            onEvent(.closed(.server(code: serverCloseCode)))
        } else if closedByClient {
            onEvent(.closed(.client))
        } else {
            onEvent(.closed(.server(code: Self.abnormalClosureCode)))
        }
    }

    /// The next complete server frame, consumed from `pending` (nil opcode: one this client does
    /// not use). Servers never mask (RFC 6455 §5.1); a masked frame breaks the stream.
    private func nextFrame() -> (WebSocketWire.Opcode?, ByteBuffer)? {
        guard var buffer = pending, buffer.readableBytes >= 2,
              let first = buffer.readInteger(as: UInt8.self), let second = buffer.readInteger(as: UInt8.self)
        else { return nil }
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let extended = buffer.readInteger(as: UInt16.self) else { return nil }
            length = Int(extended)
        } else if length == 127 {
            guard let extended = buffer.readInteger(as: UInt64.self) else { return nil }
            length = Int(extended)
        }
        guard second & 0x80 == 0 else {
            // A broken stream: the socket ends as the server's doing, without a close frame (1006).
            channel?.close(promise: nil)
            pending = nil
            return nil
        }
        guard let payload = buffer.readSlice(length: length) else { return nil }
        pending = buffer
        return (WebSocketWire.Opcode(rawValue: first & 0x0F), payload)
    }

    private static func headerEnd(_ view: ByteBufferView) -> Int? {
        var index = view.startIndex
        while index + 4 <= view.endIndex {
            if view[index] == 13 && view[index + 1] == 10 && view[index + 2] == 13 && view[index + 3] == 10 { return index }
            index += 1
        }
        return nil
    }
}
