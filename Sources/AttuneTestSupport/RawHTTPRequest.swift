#if canImport(Glibc)
import Glibc
#endif

/// An HTTP GET over a bare TCP socket, for tests that need a client which reads slowly or not
/// at all (a stalled desktop), that outlives the server (shutdown), or that reads the status of
/// a refused WebSocket upgrade.
public enum RawHTTPRequest {
    /// Connects to 127.0.0.1:`port`, sends `GET path` with a bearer `token`, and returns the
    /// socket (the caller reads, or not, and closes it). `receiveBufferBytes` shrinks the
    /// kernel's receive buffer so a client that never reads pushes back on the server quickly.
    /// Returns -1 when the connection fails.
    public static func open(port: Int, path: String, token: String?, headers: [String] = ["Accept: text/event-stream"], receiveBufferBytes: Int32? = nil) -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return -1 }
        if var size = receiveBufferBytes {
            setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            return -1
        }
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        if let token { request += "Authorization: Bearer \(token)\r\n" }
        for header in headers { request += header + "\r\n" }
        request += "\r\n"
        _ = request.withCString { send(socket, $0, strlen($0), 0) }
        return socket
    }

    /// The headers of a WebSocket upgrade request (a fixed key: the tests read only the status).
    public static let webSocketUpgrade = [
        "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
    ]

    /// The status code of the response to `GET path` (nil if the server sent none in 60 s: a
    /// generous wait, for a busy machine; a refusal comes in milliseconds).
    public static func status(port: Int, path: String, token: String?, headers: [String] = []) async -> Int? {
        // "HTTP/1.1 401 Unauthorized": the status line is all that is read.
        let head = await read(port: port, path: path, token: token, headers: headers, timeoutSeconds: 60) { $0.contains(13) }
        let line = head.prefix { $0 != "\r" }
        guard line.hasPrefix("HTTP/") else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }

    /// The whole response to `GET path` as text, read until the server closes (or sends nothing
    /// for `timeoutSeconds`, or 64 KiB have come); empty when the connection fails.
    public static func response(port: Int, path: String, token: String?, headers: [String] = [], timeoutSeconds: Int = 10) async -> String {
        await read(port: port, path: path, token: token, headers: headers, timeoutSeconds: timeoutSeconds) { $0.count >= 1 << 16 }
    }

    /// Sends the request and reads until `enough` holds, the server closes or nothing comes for
    /// `timeoutSeconds`. The wait is on a thread of its own: blocking a cooperative thread could
    /// starve the in-process server that is to answer (two threads on a 2-core machine).
    private static func read(
        port: Int, path: String, token: String?, headers: [String], timeoutSeconds: Int, enough: @escaping @Sendable ([UInt8]) -> Bool
    ) async -> String {
        await onOwnThread {
            let socket = open(port: port, path: path, token: token, headers: headers)
            guard socket >= 0 else { return "" }
            defer { close(socket) }
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var response: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !enough(response) {
                let received = recv(socket, &buffer, buffer.count, 0)
                guard received > 0 else { break }
                response += buffer.prefix(received)
            }
            return String(decoding: response, as: UTF8.self)
        }
    }
}
