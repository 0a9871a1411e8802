import Hummingbird
import HummingbirdWebSocket

/// The request context of every route, HTTP and WebSocket alike.
struct AttuneRequestContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>

    init(source: Source) {
        coreContext = .init(source: source)
        webSocket = .init()
    }
}
