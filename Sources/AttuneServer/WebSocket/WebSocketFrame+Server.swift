import NIOCore
import NIOWebSocket

extension WebSocketFrame {
    /// A server's (unmasked) frames.
    static func text(_ text: String) -> WebSocketFrame { WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)) }

    static func ping(_ payload: ByteBuffer) -> WebSocketFrame { WebSocketFrame(fin: true, opcode: .ping, data: payload) }

    static func pong(_ payload: ByteBuffer) -> WebSocketFrame { WebSocketFrame(fin: true, opcode: .pong, data: payload) }

    /// A close frame with a status code and a reason (at most 120 characters: control frames
    /// carry 125 bytes).
    static func close(_ code: WebSocketErrorCode, reason: String) -> WebSocketFrame {
        var data = ByteBuffer()
        data.write(webSocketErrorCode: code)
        data.writeString(String(reason.prefix(120)))
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
    }
}
