import AttuneLive
import AttuneStore
import FoundationEssentials
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Desktops and walls over HTTP: `/v1/live/calls`, `/v1/live/calls/{callId}/events` (SSE) and
/// `/v1/live/wall/events` (SSE, a supervisor's team). The desktop's WebSocket,
/// `/v1/live/calls/{callId}/ws`, is `DesktopSocket`. And who a call is with, from systems beside
/// the audio: `POST /v1/calls/{callId}/context` (ingest tokens).
extension LiveServer {
    static func addLiveRoutes(to router: Router<AttuneRequestContext>, state: LiveServerState) {
        router.get("/v1/live/calls") { request, _ -> Response in
            let role = try state.viewerRole(of: request)
            return jsonResponse(CallList(calls: state.hub.calls(visibleTo: role)))
        }

        router.get("/v1/live/calls/{callId}/events") { request, context -> Response in
            let role = try state.viewerRole(of: request)
            let callId = try context.parameters.require("callId")
            let mailbox: Mailbox
            do { mailbox = try state.hub.subscribe(callId: callId, role: role) } catch {
                throw HTTPError(.notFound, message: "no live call \(callId) for this token")
            }
            return eventStream(mailbox, state: state)
        }

        // A CTI, a routing script or a Genesys Architect data action tells who a call is with:
        // `{"agentId": …, "team": …, "queue": …}` (any of them), before or during the call.
        router.post("/v1/calls/{callId}/context") { request, context -> Response in
            guard try state.role(of: request).canIngest else {
                throw HTTPError(.forbidden, message: "posting a call context needs an ingest token")
            }
            let callId = try context.parameters.require("callId")
            guard !callId.isEmpty, callId.count <= 200 else { throw HTTPError(.badRequest, message: "callId must be 1–200 characters") }
            let body = try await request.body.collect(upTo: 16 * 1024)
            let callContext: CallContext
            do { callContext = try JSONDecoder().decode(CallContext.self, from: Data(body.readableBytesView)) } catch {
                throw HTTPError(.badRequest, message: #"expected a JSON object {"agentId": …, "team": …, "queue": …}"#)
            }
            if let problem = callContext.problem { throw HTTPError(.badRequest, message: problem) }
            let outcome = state.hub.setContext(callContext, callId: callId)
            return jsonResponse(ContextReply(callId: callId, applied: outcome.rawValue))
        }

        // The wall's call-back list: the last hour's live calls that ended with high customer
        // distress, until a supervisor marks them handled (stored: a restart keeps the list).
        router.get("/v1/live/wall/callbacks") { request, _ -> Response in
            let (store, scope, _) = try callBackAccess(request, state: state)
            return jsonResponse(CallBackList(calls: try await store.callBacks(scope: scope)))
        }

        router.post("/v1/live/wall/callbacks/{callId}/handled") { request, context -> Response in
            let (store, scope, role) = try callBackAccess(request, state: state)
            let callId = try context.parameters.require("callId")
            guard try await store.markCallBackHandled(callId, by: viewerName(role), scope: scope) else {
                throw HTTPError(.notFound, message: "call \(callId) is not on this team's call-back list")
            }
            return jsonResponse(CallBackHandled(callId: callId, handled: true))
        }

        router.get("/v1/live/wall/events") { request, _ -> Response in
            let role = try state.viewerRole(of: request)
            guard case .supervisor = role else { throw HTTPError(.forbidden, message: "the wall is for supervisor tokens") }
            return eventStream(try state.hub.subscribeWall(role: role), state: state)
        }
    }

    struct CallList: Encodable {
        var calls: [LiveCallInfo]
    }

    struct CallBackList: Encodable {
        var calls: [CallBack]
    }

    struct CallBackHandled: Encodable {
        var callId: String
        var handled: Bool
    }

    /// The store and the supervisor's team for the call-back list (supervisors only).
    static func callBackAccess(_ request: Request, state: LiveServerState) throws -> (ResultsStore, CallScope, AccessRole) {
        let (store, scope, role) = try explorer(request, state: state)
        guard case .supervisor = role else { throw HTTPError(.forbidden, message: "the call-back list is for supervisor tokens") }
        return (store, scope, role)
    }

    /// `applied`: `applied` (the call is live) or `pending` (it waits for the call).
    struct ContextReply: Encodable {
        var callId: String
        var applied: String
    }

    /// Server-Sent Events from a mailbox: one `data:` line of JSON per message, a comment line
    /// on heartbeats; ends when the subscription closes or the client goes away.
    static func eventStream(_ mailbox: Mailbox, state: LiveServerState) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            defer { state.hub.unsubscribe(mailbox) }
            try await writer.write(ByteBuffer(string: ": connected\n\n"))
            // The HTTP server waits for open responses when it shuts down: a stream ends as soon
            // as graceful shutdown begins (SIGINT, SIGTERM).
            try await withGracefulShutdownHandler {
                while let delivery = await mailbox.next() {
                    switch delivery {
                    case .message(let message): try await writer.write(ByteBuffer(string: "data: \(message.jsonText())\n\n"))
                    case .heartbeat: try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                    }
                }
            } onGracefulShutdown: {
                mailbox.close()
            }
            try await writer.finish(nil)
        })
    }

    static func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
