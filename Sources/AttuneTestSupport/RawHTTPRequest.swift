#if canImport(Glibc)
import Glibc
#endif

/// An HTTP GET over a bare TCP socket, for tests that need a client which reads slowly or not
/// at all (a stalled desktop) or that outlives the server (shutdown).
public enum RawHTTPRequest {
    /// Connects to 127.0.0.1:`port`, sends `GET path` with a bearer `token`, and returns the
    /// socket (the caller reads, or not, and closes it). `receiveBufferBytes` shrinks the
    /// kernel's receive buffer so a client that never reads pushes back on the server quickly.
    /// Returns -1 when the connection fails.
    public static func open(port: Int, path: String, token: String, receiveBufferBytes: Int32? = nil) -> Int32 {
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
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(token)\r\nAccept: text/event-stream\r\n\r\n"
        _ = request.withCString { send(socket, $0, strlen($0), 0) }
        return socket
    }
}
