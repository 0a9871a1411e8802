import AttuneLive
import AttunePipeline
import Logging
import Hummingbird
import NIOCore

/// `/health`, `/metrics`, the pages and a request log that never holds a query string (tokens
/// may travel there) or a header.
extension LiveServer {
    static func addServiceRoutes(to router: Router<AttuneRequestContext>, state: LiveServerState) {
        router.get("/health") { _, _ -> Response in
            jsonResponse(Health(status: "ok", liveCalls: state.hub.liveCallCount, engineVersion: AttuneEngine.version))
        }
        router.get("/metrics") { _, _ -> Response in
            let text = state.metrics.prometheusText(liveCalls: state.hub.liveCallCount, subscribers: state.hub.subscriberCount)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/") { _, _ -> Response in html(Pages.index) }
        router.get("/desktop") { _, _ -> Response in html(Pages.desktop) }
        router.get("/wall") { _, _ -> Response in html(Pages.wall) }
        router.get("/calls") { _, _ -> Response in html(Pages.calls) }
        router.get("/calls/{callId}") { _, _ -> Response in html(Pages.call) }
    }

    struct Health: Encodable {
        var status: String
        var liveCalls: Int
        var engineVersion: String
    }

    static func html(_ page: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        // Nothing on these pages may load from elsewhere.
        headers[.contentSecurityPolicy] = "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; media-src 'self'"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}

/// Logs each request's method, path (never the query), status and time.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AttuneRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            context.logger.info("request", metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
                "milliseconds": "\(Int(((ContinuousClock.now - start).seconds * 1000).rounded()))",
            ])
            return response
        } catch let error as HTTPError {
            context.logger.info("request", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(error.status.code)"])
            throw error
        }
    }
}
