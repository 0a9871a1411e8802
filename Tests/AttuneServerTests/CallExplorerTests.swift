import AsyncHTTPClient
import AttuneAudioIO
import AttuneLive
import AttunePipeline
import AttuneScoring
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The call explorer's API (issue 17): stored calls found by the roles' own rules, and their
/// recordings served in byte ranges that hold exactly the source's samples.
@Suite(.serialized) struct CallExplorerTests {
    /// Stored calls: Alice's two (north), Bob's one (south), one of no team; each from a fixture
    /// file (so its recording can be played).
    static let calls: [(callId: String, fixture: String, agentId: String, team: String?, startedAt: String)] = [
        ("alice-1", "calm-clean.flac", "alice", "north", "2026-11-02T09:00:00Z"),
        ("alice-2", "heated-clean.flac", "alice", "north", "2026-11-03T09:00:00Z"),
        ("bob-1", "heated-snr25.flac", "bob", "south", "2026-11-04T09:00:00Z"),
        ("carol-1", "calm-bleed.flac", "carol", nil, "2026-11-05T09:00:00Z"),
    ]

    /// A server whose store holds `calls`, their recordings copied to a folder of the test's own
    /// (the test may move one).
    /// `highDistress` calls are stored with high customer distress (the short fixture calls do not
    /// reach it; the explorer, not the distress rule, is under test here).
    static func server(highDistress: Set<String> = []) async throws -> (LiveTestServer, folder: String) {
        let server = try await LiveTestServer.start()
        let folder = RepositoryPaths.temporaryDirectory("attune-explorer")
        let model = try LiveTestServer.model
        var analyzed: [AnalyzedCall] = []
        for call in calls {
            let path = folder + "/" + call.callId + "-" + call.fixture
            try FileManager.default.copyItem(atPath: RepositoryPaths.fixtureCalls + "/" + call.fixture, toPath: path)
            var report = try RecordingAnalysis.analyze(CallRecording(source: .file(path)), callId: call.callId, model: model)
            if highDistress.contains(call.callId) {
                report.scores?.distress.level = .high
                report.scores?.distress.value = 0.9
            }
            analyzed.append(AnalyzedCall(
                report: report,
                identity: ResultIdentity(contentSha256: "sha-" + call.callId, engineVersion: "test", configurationFingerprint: "test", modelSha256: model.sha256),
                metadata: CallMetadata(callId: call.callId, sourcePath: path, agentId: call.agentId, team: call.team, startedAt: call.startedAt)))
        }
        try await server.database.store(analyzed, runId: nil)
        return (server, folder)
    }

    struct Page: Decodable {
        var total: Int
        var calls: [CallSummary]
    }

    static func page(_ server: LiveTestServer, _ query: String, token: String) async throws -> (status: Int, page: Page?) {
        let (status, body) = try await server.get("/v1/calls" + query, token: token)
        return (status, status == 200 ? try JSONDecoder().decode(Page.self, from: Data(body.utf8)) : nil)
    }

    /// GET with a `Range` header: status, headers and body bytes.
    static func audio(_ server: LiveTestServer, _ callId: String, token: String, range: String? = nil) async throws -> (status: Int, headers: [String: String], body: [UInt8]) {
        var request = HTTPClientRequest(url: server.url("/v1/calls/\(callId)/audio"))
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let range { request.headers.add(name: "Range", value: range) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 26)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return (Int(response.status.code), headers, Array(body.readableBytesView))
    }

    /// The recording's samples as 16-bit little-endian PCM, decoded by sox (not by libsndfile).
    static func soxPCM(_ path: String) throws -> [UInt8] {
        let output = RepositoryPaths.temporaryDirectory("attune-sox") + "/pcm.raw"
        let run = try ChildProcess.run("/usr/bin/sox", [path, "-t", "raw", "-e", "signed-integer", "-b", "16", "-L", output])
        #expect(run.status == 0, "\(run.standardError)")
        return Array(try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    @Test func rolesDecideWhichCallsAreListedOpenedAndPlayed() async throws {
        let (server, _) = try await Self.server()
        defer { Task { await server.stop() } }
        let alice = LiveTestServer.aliceToken, bob = LiveTestServer.bobToken, north = LiveTestServer.northToken
        // Alice lists her own two calls, whatever she filters by.
        #expect(try await Self.page(server, "", token: alice).page?.calls.map(\.callId) == ["alice-2", "alice-1"])
        #expect(try await Self.page(server, "?agentId=bob", token: alice).page?.total == 0)
        #expect(try await Self.page(server, "?team=south", token: alice).page?.total == 0)
        // The north supervisor: north's calls and the call of no team, not south's.
        #expect(Set(try await Self.page(server, "?limit=10", token: north).page?.calls.map(\.callId) ?? []) == ["alice-1", "alice-2", "carol-1"])
        // Bob's call by id, by its audio URL, by the CSV: not for Alice; the same answer as a call that does not exist.
        #expect(try await server.get("/v1/calls/bob-1", token: alice).status == 404)
        #expect(try await server.get("/v1/calls/no-such-call", token: alice).status == 404)
        #expect(try await Self.audio(server, "bob-1", token: alice).status == 404)
        let csv = try await server.get("/v1/calls.csv?agentId=bob", token: alice)
        #expect(csv.status == 200 && csv.body.split(separator: "\r\n").count == 1)
        // Bob opens and plays his own; the ingest key and no token get nothing.
        #expect(try await server.get("/v1/calls/bob-1", token: bob).status == 200)
        #expect(try await server.get("/v1/calls", token: LiveTestServer.ingestToken).status == 403)
        #expect(try await server.get("/v1/calls").status == 401)
        // Every playback is logged: who (never the token), which call.
        #expect(try await Self.audio(server, "bob-1", token: bob, range: "bytes=0-999").status == 206)
        let log = try await server.database.playbacks(of: "bob-1")
        #expect(log.map(\.viewer) == ["advisor:bob"])
        #expect(try await server.database.playbacks(of: "alice-1").isEmpty)
    }

    @Test func rangesHoldExactlyTheSourcesSamplesForFLACAndWAV() async throws {
        let (server, folder) = try await Self.server()
        defer { Task { await server.stop() } }
        // A 16-bit PCM WAV and a μ-law WAV beside the FLAC calls.
        let wav = folder + "/alice-3.wav"
        #expect(try ChildProcess.run("/usr/bin/sox", [folder + "/alice-1-calm-clean.flac", "-e", "signed-integer", "-b", "16", wav]).status == 0)
        let muLaw = folder + "/alice-4.wav"
        try FileManager.default.copyItem(atPath: RepositoryPaths.fixtureCalls + "/heated-mulaw.wav", toPath: muLaw)
        let model = try LiveTestServer.model
        for (callId, path) in [("alice-3", wav), ("alice-4", muLaw)] {
            let report = try RecordingAnalysis.analyze(CallRecording(source: .file(path)), callId: callId, model: model)
            try await server.database.store(
                [AnalyzedCall(
                    report: report, identity: ResultIdentity(contentSha256: "sha-" + callId, engineVersion: "t", configurationFingerprint: "t", modelSha256: nil),
                    metadata: CallMetadata(callId: callId, sourcePath: path, agentId: "alice", team: "north"))],
                runId: nil)
        }
        for (callId, path) in [("alice-1", folder + "/alice-1-calm-clean.flac"), ("alice-3", wav), ("alice-4", muLaw)] {
            let pcm = try Self.soxPCM(path)
            let whole = try await Self.audio(server, callId, token: LiveTestServer.aliceToken)
            #expect(whole.status == 200 && whole.headers["accept-ranges"] == "bytes" && whole.headers["content-type"] == "audio/wav")
            #expect(whole.body.count == 44 + pcm.count, "\(callId)")
            #expect(Array(whole.body.prefix(4)) == Array("RIFF".utf8) && Array(whole.body[8..<12]) == Array("WAVE".utf8))
            #expect(Array(whole.body.dropFirst(44)) == pcm, "\(callId): the samples differ from sox's decoding")
            // Parts: inside the samples (odd offsets, across a frame), the header's tail and the start, the end.
            let size = whole.body.count
            for (range, expected) in [
                ("bytes=10001-20002", 10001..<20003), ("bytes=40-49", 40..<50), ("bytes=-100", (size - 100)..<size), ("bytes=\(size - 7)-", (size - 7)..<size),
            ] {
                let part = try await Self.audio(server, callId, token: LiveTestServer.aliceToken, range: range)
                #expect(part.status == 206, "\(callId) \(range)")
                #expect(part.headers["content-range"] == "bytes \(expected.lowerBound)-\(expected.upperBound - 1)/\(size)", "\(callId) \(range)")
                #expect(part.body == Array(whole.body[expected]), "\(callId) \(range)")
            }
            let outside = try await Self.audio(server, callId, token: LiveTestServer.aliceToken, range: "bytes=\(size)-")
            #expect(outside.status == 416 && outside.headers["content-range"] == "bytes */\(size)")
        }
    }

    @Test func aRecordingThatMovedOrWasNeverKeptIsSaidSo() async throws {
        let (server, folder) = try await Self.server()
        defer { Task { await server.stop() } }
        try FileManager.default.moveItem(atPath: folder + "/alice-1-calm-clean.flac", toPath: folder + "/elsewhere.flac")
        let moved = try await server.get("/v1/calls/alice-1/audio", token: LiveTestServer.aliceToken)
        #expect(moved.status == 404 && moved.body.contains("recording not found"), "\(moved.body)")
        // The call itself still opens, with its report.
        let call = try await server.get("/v1/calls/alice-1", token: LiveTestServer.aliceToken)
        #expect(call.status == 200 && call.body.contains(#""report":{"#) && call.body.contains(#""url":"/v1/calls/alice-1/audio""#))
    }

    @Test func searchFiltersSortsAndPagesOnTheServer() async throws {
        let (server, _) = try await Self.server()
        defer { Task { await server.stop() } }
        let north = LiveTestServer.northToken
        let all = try #require(try await Self.page(server, "?limit=10", token: north).page)
        // Dates: since inclusive, until exclusive, by when the call took place.
        #expect(try await Self.page(server, "?since=2026-11-03&until=2026-11-05", token: north).page?.calls.map(\.callId) == ["alice-2"])
        // Effort and distress levels, dead air and events, against each call's own stored report.
        for level in CallSearch.effortLevels {
            let expected = Set(all.calls.filter { $0.effortLevel == level }.map(\.callId))
            #expect(Set(try await Self.page(server, "?effort=\(level)", token: north).page?.calls.map(\.callId) ?? ["?"]) == expected, "\(level)")
        }
        let longest = try #require(all.calls.max { ($0.deadAirSeconds ?? 0) < ($1.deadAirSeconds ?? 0) })
        let deadAir = try #require(longest.deadAirSeconds)
        #expect(try await Self.page(server, "?minDeadAir=\(deadAir)", token: north).page?.calls.map(\.callId) == [longest.callId])
        #expect(try await Self.page(server, "?minDeadAir=\(deadAir + 1)", token: north).page?.total == 0)
        let spikes = try await Self.page(server, "?event=energySpike", token: north).page
        #expect(spikes?.calls.map(\.callId).contains("alice-2") == true && spikes?.calls.map(\.callId).contains("alice-1") == false)
        // Sort and pages: two pages of two hold the three calls once, in effort order.
        let first = try #require(try await Self.page(server, "?sort=effort&limit=2", token: north).page)
        let second = try #require(try await Self.page(server, "?sort=effort&limit=2&offset=2", token: north).page)
        #expect(first.total == 3 && second.total == 3)
        let sorted = first.calls + second.calls
        #expect(sorted.map(\.callId).count == 3 && Set(sorted.map(\.callId)).count == 3)
        #expect(zip(sorted, sorted.dropFirst()).allSatisfy { ($0.effortIndex ?? 0) >= ($1.effortIndex ?? 0) })
        // Surveys: answered or not, and the gap to the model.
        _ = try await server.database.storeSurveys(
            [SurveyResponse(callId: "alice-1", respondedAt: "2026-11-02T10:00:00Z", score: 1, scale: .ces2, fileScore: 1, comment: "so slow", channel: nil, line: 2)], sourcePath: "s.csv")
        #expect(try await Self.page(server, "?surveyed=true", token: north).page?.calls.map(\.callId) == ["alice-1"])
        #expect(try await Self.page(server, "?surveyed=false", token: north).page?.total == 2)
        let answered = try #require(try await Self.page(server, "?surveyed=true", token: north).page?.calls.first)
        let gap = try #require(answered.surveyGapPoints)
        #expect(try await Self.page(server, "?minSurveyGap=\(abs(gap) - 0.01)", token: north).page?.total == 1)
        #expect(try await Self.page(server, "?minSurveyGap=\(abs(gap) + 0.01)", token: north).page?.total == 0)
        // Bad parameters are named.
        let bad = try await server.get("/v1/calls?effort=extreme", token: north)
        #expect(bad.status == 400 && bad.body.contains("effort"))
        // The CSV holds the same calls as the page.
        let csv = try await server.get("/v1/calls.csv?sort=effort", token: north)
        #expect(csv.body.split(separator: "\r\n").dropFirst().map { String($0.prefix { $0 != "," }) } == sorted.map(\.callId))
    }

    /// A team leader's way to a moment, in headless Chromium: filter the list to one advisor's
    /// high-distress calls, open the one found, click an event's mark, and the player stands at
    /// the event's start (read from the page through the DevTools protocol). Nothing comes from
    /// another machine, and the playback is logged.
    @Test func aClickOnAnEventMarkPlaysTheRecordingFromThatMoment() async throws {
        let (server, _) = try await Self.server(highDistress: ["alice-2", "bob-1"])
        defer { Task { await server.stop() } }
        let directory = RepositoryPaths.temporaryDirectory("attune-explorer-page")
        for path in ["/calls", "/calls/alice-2"] {
            let page = try await server.get(path)
            #expect(page.status == 200 && HeadlessChromium.externalReferences(page.body).isEmpty, "\(path)")
        }
        let page = try await ChromiumPage(url: server.url("/calls?token=\(LiveTestServer.northToken)"), profile: directory + "/calls")
        defer { page.close() }
        _ = try #require(try await page.dom(when: "document.body.dataset.loaded === '3'", timeoutSeconds: 120), "the list never loaded")
        _ = try await page.evaluate("""
            (() => { const f = document.getElementById("filters"); f.elements.agentId.value = "alice"; f.elements.distress.value = "high";
                     document.getElementById("apply").click(); return "ok"; })()
            """)
        let listed = try #require(try await page.dom(when: """
            document.body.dataset.loaded === '1' && document.querySelectorAll('tr.call').length === 1
            """, timeoutSeconds: 120), "the filter never left one call")
        #expect(listed.contains(#"data-call-id="alice-2""#) && listed.contains("1 call"))
        _ = try await page.evaluate(#"(() => { document.querySelector('tr.call').click(); return "ok"; })()"#)
        guard let opened = try await page.dom(when: """
            location.pathname === '/calls/alice-2' && document.body.dataset.loaded === '1'
              && document.querySelector('#marks button.mark[data-type="energySpike"]') !== null
              && document.getElementById('player')?.dataset.ready === '1'
            """, timeoutSeconds: 120)
        else {
            let state = try await page.evaluate("""
                JSON.stringify({ path: location.pathname, loaded: document.body.dataset.loaded, marks: document.querySelectorAll('#marks button').length,
                  ready: document.getElementById('player')?.readyState, error: document.getElementById('player')?.error?.message,
                  recording: document.getElementById('recording')?.textContent, problem: document.getElementById('error')?.textContent })
                """)
            Issue.record("the call's page never showed its marks and recording: \(state)")
            return
        }
        #expect(opened.contains("advisor alice") && opened.contains("high"))
        let start = try #require(Double(try await page.evaluate(#"document.querySelector('#marks button.mark[data-type="energySpike"]').dataset.start"#)))
        _ = try await page.evaluate(#"(() => { document.querySelector('#marks button.mark[data-type="energySpike"]').click(); return "ok"; })()"#)
        _ = try #require(try await page.dom(when: "document.getElementById('player').dataset.position !== undefined", timeoutSeconds: 120), "the player never moved")
        let position = try #require(Double(try await page.evaluate("String(document.getElementById('player').currentTime)")))
        #expect(abs(position - start) <= 0.2, "the player stands at \(position) s, the event starts at \(start) s")
        // Only this server was asked for anything.
        let foreign = try await page.evaluate("""
            JSON.stringify(performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin)))
            """)
        #expect(foreign == "[]", "\(foreign)")
        #expect(try await server.database.playbacks(of: "alice-2").contains { $0.viewer == "supervisor:north" })
        let screenshot = try await page.screenshot()
        try screenshot.write(to: URL(fileURLWithPath: directory + "/call.png"))
    }

    /// Live audio is kept only when the configuration says so (`liveAudio`), is then played like
    /// a recording (the samples exactly as streamed), and goes when its time is up.
    @Test func liveAudioIsKeptOnlyWhenConfiguredAndGoesWhenItsTimeIsUp() async throws {
        let (_, audio) = try IngestEndToEndTests.fixture("calm-clean")
        let alice = LiveTestServer.aliceToken
        // The default: not kept, and the call's page says so.
        let plain = try await LiveTestServer.start()
        _ = try await PagesTests.streamAsAlice(audio, callId: "live-plain", framesPerSecond: 500, to: plain).value
        let notKept = try await plain.get("/v1/calls/live-plain/audio", token: alice)
        #expect(notKept.status == 404 && notKept.body.contains("no recording kept"), "\(notKept.body)")
        #expect(try await plain.get("/v1/calls/live-plain", token: alice).body.contains(#""reason":"a live call: its audio is not kept"#))
        await plain.stop()

        let folder = RepositoryPaths.temporaryDirectory("attune-live-audio")
        let kept = try await LiveTestServer.start(LiveTestServer.configuration { $0.liveAudio = .init(folder: folder, keepDays: 1) })
        defer { Task { await kept.stop() } }
        _ = try await PagesTests.streamAsAlice(audio, callId: "live-kept", framesPerSecond: 500, to: kept).value
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(files.count == 1 && files[0].hasPrefix("live-kept-") && files[0].hasSuffix(".wav"), "\(files)")
        let played = try await Self.audio(kept, "live-kept", token: alice)
        #expect(played.status == 200)
        let sent = Array(IngestEndToEndTests.l16(audio.samples[...]).readableBytesView)
        #expect(played.body.count == 44 + sent.count && Array(played.body.dropFirst(44)) == sent, "the kept audio is not what was streamed")
        // A day later it is still there; two days later it is gone, file and row.
        #expect(try await kept.server.sweepLiveAudio(secondsFromNow: 3600) == 0)
        #expect(try await kept.server.sweepLiveAudio(secondsFromNow: 2 * 86_400) == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
        let gone = try await kept.get("/v1/calls/live-kept/audio", token: alice)
        #expect(gone.status == 404 && gone.body.contains("no recording kept"), "\(gone.body)")
    }
}
