#if canImport(Glibc)
import Glibc
#endif

/// A WebSocket client over a bare TCP socket (RFC 6455 framing by hand), for tests that must see
/// exactly what the server sends and when it closes: a client library may report a server's
/// prompt close after its close frame as an I/O error, and then the close code is lost.
///
/// Every call that may wait for the server is `async` and blocks a thread of its own
/// (`onOwnThread`), never a cooperative thread: a test that blocked one would starve the
/// in-process server it is talking to (on a 2-core machine the pool has two threads), and both
/// would wait out the socket's timeout.
public enum RawWebSocket {
    /// Opens an upgraded socket to `path` (bearer `token`), with a `timeoutSeconds` receive
    /// timeout, and sends `frames` at once on the same thread (so what follows the upgrade does
    /// not wait for a cooperative thread, which a busy machine may not give for a minute); -1
    /// when the connection, the upgrade or a send fails.
    public static func open(port: Int, path: String, token: String?, timeoutSeconds: Int = 120, thenSending frames: [[UInt8]] = []) async -> Int32 {
        await onOwnThread {
            let socket = RawHTTPRequest.open(port: port, path: path, token: token, headers: RawHTTPRequest.webSocketUpgrade)
            guard socket >= 0 else { return -1 }
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let head = Blocking.receive(socket, until: [13, 10, 13, 10])
            guard String(decoding: head, as: UTF8.self).hasPrefix("HTTP/1.1 101") else {
                close(socket)
                return -1
            }
            guard frames.allSatisfy({ Blocking.send(socket, $0) }) else {
                close(socket)
                return -1
            }
            return socket
        }
    }

    /// A text message's frame.
    public static func textFrame(_ text: String) -> [UInt8] { frame(opcode: 0x1, Array(text.utf8)[...]) }

    /// A masked client frame (RFC 6455 §5.2), for payloads up to 64 KiB.
    public static func frame(opcode: UInt8, fin: Bool = true, _ payload: ArraySlice<UInt8>) -> [UInt8] {
        let mask: [UInt8] = [0x11, 0x22, 0x33, 0x44]
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        if payload.count < 126 {
            bytes.append(0x80 | UInt8(payload.count))
        } else {
            bytes += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        bytes += mask
        bytes += payload.enumerated().map { $0.element ^ mask[$0.offset & 3] }
        return bytes
    }

    /// Sends one frame's bytes; whether it could (a server that stops reading blocks the send,
    /// so it too waits on a thread of its own).
    @discardableResult
    public static func send(_ socket: Int32, _ bytes: [UInt8]) async -> Bool { await send(socket, frames: [bytes]) }

    /// Sends all of `frames`, in order; whether it could.
    @discardableResult
    public static func send(_ socket: Int32, frames: [[UInt8]]) async -> Bool {
        await onOwnThread { frames.allSatisfy { Blocking.send(socket, $0) } }
    }

    /// Sends a text message.
    @discardableResult
    public static func sendText(_ socket: Int32, _ text: String) async -> Bool { await send(socket, textFrame(text)) }

    /// Bytes received until they end with `marker` (or, with no marker, until the peer closes or
    /// the receive times out).
    public static func receive(_ socket: Int32, until marker: [UInt8]?) async -> [UInt8] {
        await onOwnThread { Blocking.receive(socket, until: marker) }
    }

    /// What the server sent until its close frame (answered) or the end of the connection: the
    /// text messages and the close code (nil: no close frame came).
    public static func readUntilClose(_ socket: Int32) async -> (texts: [String], closeCode: UInt16?, closeReason: String) {
        await onOwnThread { Blocking.readUntilClose(socket) }
    }

    /// The blocking socket work, for a thread of its own.
    enum Blocking {
        static func send(_ socket: Int32, _ bytes: [UInt8]) -> Bool {
            var offset = 0
            while offset < bytes.count {
                let sent = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard sent > 0 else { return false }
                offset += sent
            }
            return true
        }

        static func receive(_ socket: Int32, until marker: [UInt8]?) -> [UInt8] {
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = recv(socket, &buffer, buffer.count, 0)
                guard count > 0 else { return received }
                received += buffer.prefix(count)
                if let marker, received.count >= marker.count, Array(received.suffix(marker.count)) == marker { return received }
            }
        }

        static func readUntilClose(_ socket: Int32) -> (texts: [String], closeCode: UInt16?, closeReason: String) {
            var pending: [UInt8] = []
            var texts: [String] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                while let (opcode, payload, used) = serverFrame(pending) {
                    pending.removeFirst(used)
                    switch opcode {
                    case 0x1: texts.append(String(decoding: payload, as: UTF8.self))
                    case 0x8:
                        let code = payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
                        _ = send(socket, frame(opcode: 0x8, payload.prefix(2)))
                        return (texts, code, String(decoding: payload.dropFirst(2), as: UTF8.self))
                    case 0x9: _ = send(socket, frame(opcode: 0xA, payload[...]))
                    default: break
                    }
                }
                let count = recv(socket, &buffer, buffer.count, 0)
                guard count > 0 else { return (texts, nil, "") }
                pending += buffer.prefix(count)
            }
        }
    }

    /// The whole unmasked server frames in `bytes`, in order (an unfinished last one left out).
    public static func serverFrames(_ bytes: [UInt8]) -> [(opcode: UInt8, payload: [UInt8])] {
        var frames: [(opcode: UInt8, payload: [UInt8])] = [], rest = bytes
        while let (opcode, payload, used) = serverFrame(rest) {
            frames.append((opcode, payload))
            rest.removeFirst(used)
        }
        return frames
    }

    /// One unmasked server frame at the start of `bytes`: opcode, payload and bytes used; nil
    /// when it has not all arrived.
    static func serverFrame(_ bytes: [UInt8]) -> (opcode: UInt8, payload: [UInt8], used: Int)? {
        guard bytes.count >= 2 else { return nil }
        var length = Int(bytes[1] & 0x7F)
        var start = 2
        if length == 126 {
            guard bytes.count >= 4 else { return nil }
            length = Int(bytes[2]) << 8 | Int(bytes[3])
            start = 4
        } else if length == 127 {
            guard bytes.count >= 10 else { return nil }
            length = bytes[2..<10].reduce(0) { $0 << 8 | Int($1) }
            start = 10
        }
        guard bytes.count >= start + length else { return nil }
        return (bytes[0] & 0x0F, Array(bytes[start..<start + length]), start + length)
    }
}
