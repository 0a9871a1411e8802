import AttuneAudioIO
import AttuneLive
import AttuneStore
import FoundationEssentials
import Hummingbird
import NIOCore

/// The call explorer over HTTP: stored calls, searched and opened by the same tokens and roles as
/// the live pages (an advisor their own calls, a supervisor their team's):
/// - `GET /v1/calls`: a page of a search (JSON); `GET /v1/calls.csv`: every call it finds;
/// - `GET /v1/calls/{callId}`: the call (its report, survey answers, and whether it can be played);
/// - `GET /v1/calls/{callId}/audio`: its recording as 16-bit PCM WAV, with HTTP range requests,
///   made from the file the batch read (`PlaybackAudio`); every request is logged in the store
///   (`playbacks`: who, when, from which second).
/// A call another viewer may not see answers exactly as a call that does not exist (404), so ids
/// cannot be probed.
extension LiveServer {
    static func addCallRoutes(to router: Router<AttuneRequestContext>, state: LiveServerState) {
        router.get("/v1/calls") { request, _ -> Response in
            let (store, scope, _) = try explorer(request, state: state)
            let search = try CallQueryParameters.search(request.uri.queryParameters)
            let page = try await store.searchCalls(search, scope: scope)
            return jsonResponse(CallPageReply(total: page.total, offset: search.offset, limit: search.limit, calls: page.calls))
        }

        router.get("/v1/calls.csv") { request, _ -> Response in
            let (store, scope, _) = try explorer(request, state: state)
            var search = try CallQueryParameters.search(request.uri.queryParameters)
            search.offset = 0
            let calls = try await store.allCalls(search, scope: scope)
            var headers = HTTPFields()
            headers[.contentType] = "text/csv; charset=utf-8"
            headers[.contentDisposition] = #"attachment; filename="calls.csv""#
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: CallQueryParameters.csv(calls))))
        }

        router.get("/v1/calls/{callId}") { request, context -> Response in
            let (store, scope, _) = try explorer(request, state: state)
            let callId = try context.parameters.require("callId")
            guard let call = try await store.storedCall(callId, scope: scope) else { throw notFound(callId) }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: StoredCallReply.json(call, recording: RecordingLocation(call)))))
        }

        router.get("/v1/calls/{callId}/audio") { request, context -> Response in
            let (store, scope, role) = try explorer(request, state: state)
            let callId = try context.parameters.require("callId")
            guard let call = try await store.storedCall(callId, scope: scope) else { throw notFound(callId) }
            let location = RecordingLocation(call)
            guard case .files(let paths) = location else {
                throw HTTPError(.notFound, message: "no recording kept for call \(callId): \(location.reason ?? "")")
            }
            let audio: PlaybackAudio
            do { audio = try PlaybackAudio(paths: paths) } catch let error as AudioFileError {
                throw HTTPError(.notFound, message: "recording not found for call \(callId): \(error.message)")
            }
            let range: Range<Int64>?
            switch ByteRange.parse(request.headers[.range], size: audio.byteCount) {
            case .whole: range = nil
            case .part(let part): range = part
            case .unsatisfiable:
                throw HTTPError(.rangeNotSatisfiable, headers: [.contentRange: "bytes */\(audio.byteCount)"], message: "range outside the recording")
            }
            let served = range ?? 0..<audio.byteCount
            let fromSeconds = audio.seconds(atByte: served.lowerBound)
            try await store.recordPlayback(callId: callId, viewer: viewerName(role), fromSeconds: (fromSeconds * 1000).rounded() / 1000)
            var headers = HTTPFields()
            headers[.contentType] = "audio/wav"
            headers[.acceptRanges] = "bytes"
            headers[.contentLength] = "\(served.count)"
            headers[.cacheControl] = "private, no-store"
            if range != nil { headers[.contentRange] = "bytes \(served.lowerBound)-\(served.upperBound - 1)/\(audio.byteCount)" }
            let byteCount = audio.byteCount
            return Response(status: range == nil ? .ok : .partialContent, headers: headers, body: ResponseBody { writer in
                // Opened again here (the header only: cheap): a reader belongs to one task.
                let audio = try PlaybackAudio(paths: paths)
                guard audio.byteCount == byteCount else { throw HTTPError(.conflict, message: "the recording changed while it was served") }
                var position = served.lowerBound
                while position < served.upperBound {
                    let end = min(position + 64 * 1024, served.upperBound)
                    try await writer.write(ByteBuffer(bytes: try audio.bytes(position..<end)))
                    position = end
                }
                try await writer.finish(nil)
            })
        }
    }

    /// The store, what the request's token may see of it, and the token's role. Ingest keys may
    /// not; a server without a store has no calls to explore.
    static func explorer(_ request: Request, state: LiveServerState) throws -> (ResultsStore, CallScope, AccessRole) {
        let role = try state.viewerRole(of: request)
        guard let store = state.database else {
            throw HTTPError(.notFound, message: "this server keeps no store (\"database\": null), so it has no stored calls")
        }
        let scope: CallScope = switch role {
        case .advisor(let agentId): .agent(agentId)
        case .supervisor(let team): .team(team)
        case .ingest: .agent("")  // refused above
        }
        return (store, scope, role)
    }

    /// Who played a recording, as the log records it: the role and whom it stands for.
    static func viewerName(_ role: AccessRole) -> String {
        switch role {
        case .advisor(let agentId): "advisor:\(agentId)"
        case .supervisor(let team): "supervisor:\(team)"
        case .ingest: "ingest"
        }
    }

    static func notFound(_ callId: String) -> HTTPError {
        HTTPError(.notFound, message: "no stored call \(callId) for this token")
    }

    struct CallPageReply: Encodable {
        var total: Int
        var offset: Int
        var limit: Int
        var calls: [CallSummary]
    }
}

/// Where a stored call's recording is, from its `sourcePath`.
enum RecordingLocation: Equatable {
    /// One file, or the advisor's and the customer's legs.
    case files([String])
    /// A live call whose audio was not kept (or no longer is).
    case notKept(String)

    init(_ call: StoredCall) {
        if call.sourcePath.hasPrefix("live:") {
            if let kept = call.liveAudioPath {
                self = .files([kept])
            } else {
                self = .notKept("a live call: its audio is not kept (see liveAudio in the serve configuration)")
            }
        } else {
            self = .files(call.sourcePath.split(separator: "|", omittingEmptySubsequences: false).map(String.init))
        }
    }

    var reason: String? {
        if case .notKept(let reason) = self { return reason }
        return nil
    }
}

/// A single byte range of a `Range` header (`bytes=a-b`, `bytes=a-`, `bytes=-n`), or the whole
/// (no header, or one this server does not serve in parts: several ranges, other units).
enum ByteRange: Equatable {
    case whole
    case part(Range<Int64>)
    case unsatisfiable

    static func parse(_ header: String?, size: Int64) -> ByteRange {
        guard let header, header.hasPrefix("bytes="), !header.contains(",") else { return .whole }
        let spec = header.dropFirst("bytes=".count).filter { $0 != " " }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .whole }
        if parts[0].isEmpty {
            guard let suffix = Int64(parts[1]), suffix > 0 else { return .unsatisfiable }
            return .part(max(0, size - suffix)..<size)
        }
        guard let start = Int64(parts[0]), start >= 0 else { return .whole }
        guard start < size else { return .unsatisfiable }
        if parts[1].isEmpty { return .part(start..<size) }
        guard let last = Int64(parts[1]), last >= start else { return .whole }
        return .part(start..<(min(last, size - 1) + 1))
    }
}
