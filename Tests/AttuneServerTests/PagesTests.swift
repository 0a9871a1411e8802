import AttuneTestSupport
import AttunePipeline
import AttuneScoring
import AttuneStore
import Foundation
import HTTPTypes
import HummingbirdWSClient
import NIOCore
import Synchronization
import Testing

/// The advisor desktop and the supervisor wall in headless Chromium while a fixture streams:
/// the pages show the live values, and nothing is fetched from another machine.
@Suite(.serialized) struct PagesTests {
    @Test func desktopAndWallShowTheLiveCall() async throws {
        let server = try await LiveTestServer.start()
        defer { Task { await server.stop() } }
        for path in ["/desktop", "/wall", "/"] {
            let page = try await server.get(path)
            #expect(page.status == 200)
            #expect(HeadlessChromium.externalReferences(page.body).isEmpty, "\(path): \(HeadlessChromium.externalReferences(page.body))")
            #expect(!page.body.contains("http://") && !page.body.contains("https://"), "\(path) names another site")
        }
        let (_, audio) = try IngestEndToEndTests.fixture("heated-clean")
        let callId = "page-call"
        let directory = RepositoryPaths.temporaryDirectory("attune-pages")
        // The call streams at about 2.5× real time (50 s in 20 s); the pages are read while it runs.
        let streaming = try await Self.streamAsAlice(audio, callId: callId, framesPerSecond: 50, to: server)
        let desktopPage = try await ChromiumPage(url: server.url("/desktop?token=\(LiveTestServer.aliceToken)"), profile: directory + "/desktop")
        let wallPage = try await ChromiumPage(url: server.url("/wall?token=\(LiveTestServer.northToken)"), profile: directory + "/wall")
        defer { desktopPage.close(); wallPage.close() }
        // The pages as they are once they show the call's numbers and effort reasons (the desktop)
        // and its effort (the wall), while it streams
        // (the pages wait for it themselves, with a generous deadline for a busy machine).
        let desktop = try #require(try await desktopPage.dom(when: """
            ["Low", "Moderate", "High"].includes(document.getElementById("effort-value").textContent)
              && document.querySelector("#why li:not(.muted)") !== null
              && document.getElementById("stream-seconds").textContent !== "0:00"
              && document.getElementById("status").textContent === "live"
            """, timeoutSeconds: 120), "the desktop never showed the call")
        let wall = try #require(
            try await wallPage.dom(when: #"/(low|moderate|high) · \d/.test(document.querySelector('[data-call-id="\#(callId)"]')?.textContent ?? "")"#, timeoutSeconds: 120),
            "the wall never listed the call")
        // Each alert links to its moment in the call's stored page (issue 17), on the wall and the desktop.
        let alerted = try #require(try await wallPage.dom(when: #"document.querySelector('[data-call-id="\#(callId)"] a.alert-link') !== null"#, timeoutSeconds: 120),
                                   "the wall never showed an alert")
        let href = try #require(alerted.firstMatch(of: #/<a href="([^"]+)" class="alert-link"/#)?.output.1)
        #expect(href.wholeMatch(of: #/\/calls\/page-call\?token=[^#]+#t=\d+\.\d/#) != nil, "\(href)")
        let desktopAlerted = try #require(try await desktopPage.dom(when: "document.querySelector('#alerts a.alert-link') !== null", timeoutSeconds: 120))
        #expect(desktopAlerted.contains(#"href="/calls/page-call?token="#))
        let screenshot = try await desktopPage.screenshot()
        try screenshot.write(to: URL(fileURLWithPath: directory + "/desktop.png"))
        _ = try await streaming.value
        // The desktop followed Alice's live call and shows numbers, not placeholders.
        #expect(Self.text(of: "call-id", in: desktop) == callId)
        #expect(Self.text(of: "status", in: desktop) == "live")
        // Effort in words, the number on the survey's scale under it (CES 2.0 for the default
        // model), and each reason as the change it makes to that number: on CES 2.0 effort pulls
        // it down, so "harder" goes with "−".
        let level = try #require(Self.text(of: "effort-value", in: desktop), "effort not shown")
        #expect(["Low", "Moderate", "High"].contains(level), "effort shown as \(level)")
        let scale = try #require(Self.text(of: "effort-scale", in: desktop))
        let shown = try #require(scale.firstMatch(of: #/^(\d+\.\d) on 1–7, where 7 = very easy$/#), "effort scale shown as \(scale)")
        let effort = try #require(Double(shown.output.1))
        #expect((1...7).contains(effort))
        // The level is the third of the scale the number sits in (7–5 low, 5–3 moderate, 3–1 high).
        switch level {
        case "High": #expect(effort <= 3.1, "\(level) at \(effort)")
        case "Low": #expect(effort >= 4.9, "\(level) at \(effort)")
        default: #expect((2.9...5.1).contains(effort), "\(level) at \(effort)")
        }
        let reasons = Self.listItems(of: "why", in: desktop)
        #expect(!reasons.isEmpty && reasons.count <= 3, "\(reasons)")
        for reason in reasons {
            let parts = try #require(reason.firstMatch(of: #/^(.+): ([−+])(\d+\.\d) \((harder|easier)\)$/#), "reason shown as \(reason)")
            #expect(!parts.output.1.contains(":"), "\(reason): the reason keeps its own words only")
            #expect((parts.output.2 == "−") == (parts.output.4 == "harder"), "\(reason): on CES 2.0 harder lowers the number")
        }
        #expect(Self.text(of: "talk-advisor", in: desktop)?.hasSuffix("%") == true)
        #expect(Self.text(of: "talk-customer", in: desktop)?.hasSuffix("%") == true)
        #expect(Self.text(of: "dead-air", in: desktop)?.hasSuffix(" s") == true)
        let streamTime = try #require(Self.text(of: "stream-seconds", in: desktop))
        #expect(streamTime != "0:00", "no update reached the page")
        #expect(desktop.contains("<li>") && !desktop.contains("waiting for the first update"))
        // The wall lists the call under Alice.
        #expect(wall.contains(#"data-call-id="\#(callId)""#))
        #expect(wall.contains("<td>alice</td>"))
        // Its effort column: the level in words and the number on the scale.
        #expect(wall.firstMatch(of: #/<td( class="bad")?>(low|moderate|high) · \d+\.\d</td>/#) != nil, "no effort on the wall")
        // The screenshot is a rendered page (a blank one is a few kB).
        #expect(screenshot.starts(with: [0x89, 0x50, 0x4E, 0x47]) && screenshot.count > 20_000, "screenshot of \(screenshot.count) bytes")
    }

    /// A call on hold: the desktop shows the hold timer and the wall marks the call "on hold"
    /// (hold-music-clean: music 9.65–29.65 s). The call's first 24 s are sent, then it stays on
    /// hold, its socket open, until both pages have shown it (or a generous deadline has passed).
    @Test func desktopShowsTheHoldTimerAndTheWallMarksTheCall() async throws {
        let server = try await LiveTestServer.start()
        defer { Task { await server.stop() } }
        let audio = try HoldFixture.load("hold-music-clean").clean
        let callId = "held-call"
        let onHold = 2 * 8000 * 24, frame = 160 * 2
        let frames = stride(from: 0, to: onHold, by: frame).map {
            WebSocketOutboundWriter.OutboundFrame.binary(IngestEndToEndTests.l16(audio.samples[$0..<min($0 + frame, onHold)]))
        }
        let pagesRead = Signal()
        let streaming = Task {
            _ = try await server.webSocket("/v1/ingest/native", headers: [.authorization: "Bearer \(LiveTestServer.ingestToken)"]) { _, outbound, _ in
                try await outbound.write(.text(#"{"type":"start","callId":"\#(callId)","agentId":"alice","team":"north","sampleRateHz":8000,"encoding":"L16","channels":["advisor","customer"]}"#))
                for frame in frames { try await outbound.write(frame) }
                // On hold until the pages have been read.
                await pagesRead.wait()
                try await outbound.write(.text(#"{"type":"stop"}"#))
            }
        }
        defer { pagesRead.fire() }
        let directory = RepositoryPaths.temporaryDirectory("attune-pages-hold")
        let desktopPage = try await ChromiumPage(url: server.url("/desktop?token=\(LiveTestServer.aliceToken)"), profile: directory + "/desktop")
        let wallPage = try await ChromiumPage(url: server.url("/wall?token=\(LiveTestServer.northToken)"), profile: directory + "/wall")
        defer { desktopPage.close(); wallPage.close() }
        let desktop = try await desktopPage.dom(when: #"document.getElementById("hold").textContent.startsWith("On hold ")"#, timeoutSeconds: 120)
        let wall = try await wallPage.dom(when: #"document.getElementById("calls").textContent.includes("on hold ")"#, timeoutSeconds: 120)
        pagesRead.fire()
        let shown = try #require(desktop.flatMap { Self.text(of: "hold", in: $0) }, "the desktop never showed the hold timer")
        #expect(shown.range(of: #"^On hold \d+:\d\d$"#, options: .regularExpression) != nil, "\(shown)")
        #expect(wall != nil, "the wall never marked the call on hold")
        _ = try await streaming.value
    }

    /// A wall opened after a call's third alert shows all three (issue 17): the call is sent up
    /// to its third alert and kept open until the wall has been read.
    @Test func aWallOpenedMidCallShowsTheAlertsSoFar() async throws {
        let server = try await LiveTestServer.start()
        defer { Task { await server.stop() } }
        let (_, audio) = try IngestEndToEndTests.fixture("heated-clean")
        let callId = "late-wall-call"
        let frame = 160 * 2
        let frames = stride(from: 0, to: audio.samples.count, by: frame).map {
            WebSocketOutboundWriter.OutboundFrame.binary(IngestEndToEndTests.l16(audio.samples[$0..<min($0 + frame, audio.samples.count)]))
        }
        let wallRead = Signal(), live = Signal()
        let streaming = Task {
            _ = try await server.webSocket("/v1/ingest/native", headers: [.authorization: "Bearer \(LiveTestServer.ingestToken)"]) { _, outbound, _ in
                try await outbound.write(.text(#"{"type":"start","callId":"\#(callId)","agentId":"alice","team":"north","sampleRateHz":8000,"encoding":"L16","channels":["advisor","customer"]}"#))
                live.fire()
                for frame in frames { try await outbound.write(frame) }
                await wallRead.wait()
                try await outbound.write(.text(#"{"type":"stop"}"#))
            }
        }
        defer { wallRead.fire() }
        await live.wait()
        // Alice's desktop stream, read until the third alert: by then the wall has three to show.
        let alerts = AlertCount()
        let reader = EventStreamReader(server: server, path: "/v1/live/calls/\(callId)/events", token: LiveTestServer.aliceToken, timeoutSeconds: 120) {
            $0.type == "alert" && alerts.add() >= 3
        }
        let seen = try await reader.result.messages.filter { $0.type == "alert" }
        #expect(seen.count >= 3, "the call gave \(seen.count) alerts")
        let directory = RepositoryPaths.temporaryDirectory("attune-pages-late-wall")
        let wallPage = try await ChromiumPage(url: server.url("/wall?token=\(LiveTestServer.northToken)"), profile: directory + "/wall")
        defer { wallPage.close() }
        let wall = try await wallPage.dom(
            when: #"document.querySelectorAll('[data-call-id="\#(callId)"] a.alert-link').length >= 3"#, timeoutSeconds: 120)
        wallRead.fire()
        #expect(wall != nil, "the wall opened mid-call did not show the three alerts so far")
        _ = try await streaming.value
    }

    /// A call that ends with high customer distress goes on the wall's call-back list, which a
    /// restarted server still shows, until a supervisor marks it handled on the wall (issue 17).
    @Test func highDistressCallsStayOnTheCallBackListAcrossARestartUntilHandled() async throws {
        let location = RepositoryPaths.temporaryDirectory("attune-callback") + "/results.db"
        // High distress from 0.3: heated-clean ends there (the fixtures' short calls do not reach
        // the shipped threshold; the list, not the threshold, is under test).
        var variant = try LiveTestServer.model.model
        variant.distressLevels = DistressLevels(elevated: 0.2, high: 0.3)
        let model = LoadedModel(model: variant)
        let first = try await LiveTestServer.start(model: model, database: try await ResultsStore.open(location))
        let (_, audio) = try IngestEndToEndTests.fixture("heated-clean")
        let callId = "call-back-call"
        let streamed = try await Self.streamAsAlice(audio, callId: callId, framesPerSecond: 500, to: first).value
        let ended = try #require(streamed.messages.last { $0.type == "callEnded" })
        #expect(ended.stored == true)
        struct List: Decodable { struct Entry: Decodable { var callId: String; var agentId: String? }; var calls: [Entry] }
        let listed = try await first.get("/v1/live/wall/callbacks", token: LiveTestServer.northToken)
        let listedCalls = try JSONDecoder().decode(List.self, from: Data(listed.body.utf8)).calls.map(\.callId)
        #expect(listed.status == 200 && listedCalls == [callId], "\(listed.body)")
        #expect(try await first.get("/v1/live/wall/callbacks", token: LiveTestServer.aliceToken).status == 403)
        await first.stop()

        // Restarted on the same store: the wall shows the call until it is marked handled there.
        let store = try await ResultsStore.open(location)
        let second = try await LiveTestServer.start(model: model, database: store)
        defer { Task { await second.stop() } }
        let directory = RepositoryPaths.temporaryDirectory("attune-pages-callback")
        let wallPage = try await ChromiumPage(url: second.url("/wall?token=\(LiveTestServer.northToken)"), profile: directory + "/wall")
        defer { wallPage.close() }
        let shown = try await wallPage.dom(when: #"document.querySelector('#callbacks [data-call-id="\#(callId)"] button.handled') !== null"#, timeoutSeconds: 120)
        #expect(shown?.contains(#"href="/calls/\#(callId)?token="#) == true, "the restarted wall does not list the call to call back")
        _ = try await wallPage.evaluate(#"(() => { document.querySelector('#callbacks button.handled').click(); return "ok"; })()"#)
        let cleared = try await wallPage.dom(when: "document.body.dataset.callBacks === '0'", timeoutSeconds: 120)
        #expect(cleared != nil, "the handled call stayed on the list")
        let handling = try await store.callBackHandling(callId)
        #expect(handling?.by == "supervisor:north")
        let after = try await second.get("/v1/live/wall/callbacks", token: LiveTestServer.northToken)
        let remaining = try JSONDecoder().decode(List.self, from: Data(after.body.utf8)).calls
        #expect(remaining.isEmpty)
    }

    /// Streams `audio` as Alice's call over the native protocol in 20 ms frames, `framesPerSecond`
    /// of them a second, and returns once the call is live, or the stream has failed (the task
    /// ends with the stream, with its error).
    static func streamAsAlice(
        _ audio: LoadedRecording, callId: String, framesPerSecond: Int, to server: LiveTestServer
    ) async throws -> Task<IngestEndToEndTests.Streamed, any Error> {
        let frame = 160 * 2
        let frames = stride(from: 0, to: audio.samples.count, by: frame).map {
            WebSocketOutboundWriter.OutboundFrame.binary(IngestEndToEndTests.l16(audio.samples[$0..<min($0 + frame, audio.samples.count)]))
        }
        let live = Signal()
        let streaming = Task {
            defer { live.fire() }  // also when the stream fails before the call is live
            return try await IngestEndToEndTests.stream(
                server: server, path: "/v1/ingest/native", headers: [.authorization: "Bearer \(LiveTestServer.ingestToken)"], callId: callId,
                opening: [.text(#"{"type":"start","callId":"\#(callId)","agentId":"alice","team":"north","sampleRateHz":8000,"encoding":"L16","channels":["advisor","customer"]}"#)],
                frames: frames, framesPerSecond: framesPerSecond, closing: [.text(#"{"type":"stop"}"#)], pauseMilliseconds: 40,
                whenLive: { live.fire() })
        }
        await live.wait()
        return streaming
    }

    /// The texts of the `<li>` items of the list with `id` in a dumped DOM.
    static func listItems(of id: String, in dom: String) -> [String] {
        guard let start = dom.range(of: #"id="\#(id)""#), let end = dom[start.upperBound...].range(of: "</ul>") else { return [] }
        return dom[start.upperBound..<end.lowerBound].matches(of: #/<li[^>]*>([^<]*)</li>/#).map {
            String($0.output.1).replacingOccurrences(of: "&nbsp;", with: " ")
        }
    }

    /// The text of the element with `id` in a dumped DOM (elements without nested tags).
    static func text(of id: String, in dom: String) -> String? {
        guard let start = dom.range(of: #"id="\#(id)""#) else { return nil }
        guard let open = dom[start.upperBound...].firstIndex(of: ">") else { return nil }
        let rest = dom[dom.index(after: open)...]
        guard let close = rest.firstIndex(of: "<") else { return nil }
        return String(rest[..<close]).replacingOccurrences(of: "&nbsp;", with: " ")
    }
}

/// A one-shot signal: `fire()` (once or more), and `wait()` returns once it has fired. No polling.
final class Signal: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1)) }

    func fire() {
        continuation.yield()
        continuation.finish()
    }

    /// Returns once `fire()` has been called (at once if it already has). One waiter only.
    func wait() async { for await _ in stream { return } }
}

/// Counts alerts seen by a reader (its `until` runs on the reader's task).
final class AlertCount: Sendable {
    private let count = Mutex(0)
    func add() -> Int { count.withLock { $0 += 1; return $0 } }
}
