import AsyncHTTPClient
import AttuneLive
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Foundation
import HTTPTypes
import HummingbirdWSClient
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Testing

/// Issue 15, item 3: a Genesys call's advisor comes from a call context posted beside the audio
/// (`POST /v1/calls/{id}/context`, ingest tokens only). Until then the call is every supervisor's,
/// never dropped; after it, the advisor's desktop sees it and another advisor's does not, and the
/// stored call carries the advisor.
@Suite(.serialized) struct CallContextTests {
    static let conversationId = "0c7e9a41-5b2d-4f3e-8a6c-1d2e3f4a5b6c"
    static let sessionId = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"

    /// AudioHook's `open` as Genesys sends it: the conversation and the customer, no agent.
    static let open = IngestEndToEndTests.audioHookMessage(
        "open", sessionId: sessionId, seq: 1,
        parameters: #"{"organizationId":"\#(IngestEndToEndTests.organizationId)","conversationId":"\#(conversationId)","participant":{"id":"883efee8-3d6c-4537-b500-6d7ca4b92fa0","ani":"+15555550100","aniName":"Jo","dnis":"+15555550199"},"media":[{"type":"audio","format":"PCMU","channels":["external","internal"],"rate":8000}],"language":"en-US"}"#)

    static func post(_ server: LiveTestServer, callId: String, body: String, token: String?) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: server.url("/v1/calls/\(callId)/context"))
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: body))
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 16)))
    }

    @Test func aContextRoutesAGenesysCallToItsAdvisor() async throws {
        let server = try await LiveTestServer.start()
        defer { Task { await server.stop() } }
        let headers: HTTPFields = [
            HTTPField.Name("X-API-KEY")!: LiveTestServer.audioHookKey, HTTPField.Name("Audiohook-Session-Id")!: Self.sessionId,
            HTTPField.Name("Audiohook-Organization-Id")!: IngestEndToEndTests.organizationId,
        ]
        let callId = Self.conversationId
        let failure = ReplyBox()
        _ = try await server.webSocket("/v1/ingest/audiohook", headers: headers) { inbound, outbound, _ in
            do {
                try await outbound.write(.text(Self.open))
                var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                _ = try await iterator.next()  // opened
                // Second of silence (PCMU 0xFF), so the call is live and has an update.
                for _ in 0..<50 { try await outbound.write(.binary(ByteBuffer(repeating: 0xFF, count: 320))) }
                try await eventually("the Genesys call to be live") { server.server.hub.currentInfo(callId: callId) != nil }

                // No advisor yet: no advisor sees it, a supervisor does (the call is not dropped).
                #expect(try await !server.get("/v1/live/calls", token: LiveTestServer.aliceToken).body.contains(callId))
                #expect(try await server.get("/v1/live/calls", token: LiveTestServer.northToken).body.contains(callId))

                // Who may post: an ingest token; not an advisor, not anonymous; a bad body is refused.
                #expect(try await Self.post(server, callId: callId, body: #"{"agentId":"alice"}"#, token: LiveTestServer.aliceToken).status == 403)
                #expect(try await Self.post(server, callId: callId, body: #"{"agentId":"alice"}"#, token: nil).status == 401)
                let empty = try await Self.post(server, callId: callId, body: "{}", token: LiveTestServer.ingestToken)
                #expect(empty.status == 400 && empty.body.contains("needs agentId, team or queue"), "\(empty)")
                let posted = try await Self.post(
                    server, callId: callId, body: #"{"agentId":"alice","team":"north","queue":"billing"}"#, token: LiveTestServer.ingestToken)
                #expect(posted.status == 200 && posted.body.contains(#""applied":"applied""#), "\(posted)")

                // Routed: alice sees it and can open its events; bob cannot; ingest tokens cannot read.
                #expect(try await server.get("/v1/live/calls", token: LiveTestServer.aliceToken).body.contains(callId))
                #expect(try await !server.get("/v1/live/calls", token: LiveTestServer.bobToken).body.contains(callId))
                #expect(try await server.get("/v1/live/calls/\(callId)/events", token: LiveTestServer.bobToken).status == 404)
                #expect(try await server.get("/v1/live/calls", token: LiveTestServer.ingestToken).status == 403)
                let desktop = EventStreamReader(server: server, path: "/v1/live/calls/\(callId)/events", token: LiveTestServer.aliceToken) {
                    $0.type == "update"
                }
                for _ in 0..<60 { try await outbound.write(.binary(ByteBuffer(repeating: 0xFF, count: 320))) }
                let seen = try await desktop.result
                #expect(seen.status == 200)
                #expect(seen.messages.contains { $0.type == "update" && $0.call?.agentId == "alice" }, "\(seen.messages.map(\.type))")

                try await outbound.write(.text(IngestEndToEndTests.audioHookMessage("close", sessionId: Self.sessionId, seq: 2, serverseq: 1, parameters: #"{"reason":"end"}"#)))
                while let _ = try await iterator.next() {}
            } catch { failure.error = error }
        }
        if let error = failure.error { throw error }
        // The stored call is alice's, on team north.
        try await eventually("the call to be stored") { try await server.database.report(callId: callId) != nil }
        let stored = try await server.database.storedResult(callId: callId, contentSha256: "", fromFile: false)
        #expect(stored?.metadata.agentId == "alice" && stored?.metadata.team == "north", "\(String(describing: stored))")
    }

    /// A context posted before the call starts waits for it (a CTI posts when it routes the call).
    @Test func aContextPostedBeforeTheCallIsAppliedWhenItStarts() async throws {
        let server = try await LiveTestServer.start()
        defer { Task { await server.stop() } }
        let early = try await Self.post(server, callId: "cti-call-1", body: #"{"agentId":"bob","team":"north"}"#, token: LiveTestServer.ingestToken)
        #expect(early.status == 200 && early.body.contains(#""applied":"pending""#), "\(early)")
        _ = try await server.webSocket("/v1/ingest/native", headers: [.authorization: "Bearer \(LiveTestServer.ingestToken)"]) { _, outbound, _ in
            try await outbound.write(.text(#"{"type":"start","callId":"cti-call-1","sampleRateHz":8000,"encoding":"PCMU","channels":["advisor","customer"]}"#))
            try await eventually("cti-call-1 to be live") { server.server.hub.currentInfo(callId: "cti-call-1") != nil }
            #expect(server.server.hub.currentInfo(callId: "cti-call-1")?.agentId == "bob")
            #expect(try await server.get("/v1/live/calls", token: LiveTestServer.bobToken).body.contains("cti-call-1"))
            #expect(try await !server.get("/v1/live/calls", token: LiveTestServer.aliceToken).body.contains("cti-call-1"))
            try await outbound.write(.text(#"{"type":"stop"}"#))
        }
    }
}
