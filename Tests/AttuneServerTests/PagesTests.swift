import AttuneTestSupport
import Foundation
import HTTPTypes
import HummingbirdWSClient
import NIOCore
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
        // Read the pages once they show the call's numbers and reasons (a generous deadline: on a
        // busy machine the first updates can take a while to render), while it streams.
        var desktop = "", wall = ""
        let deadline = ContinuousClock.now + .seconds(120)
        repeat {
            desktop = try await desktopPage.html()
            wall = try await wallPage.html()
            let shown = Double(Self.text(of: "effort-value", in: desktop) ?? "") != nil && desktop.contains("<li>")
                && Self.text(of: "stream-seconds", in: desktop) != "0:00" && wall.contains(#"data-call-id="\#(callId)""#)
            if shown { break }
            try await Task.sleep(for: .milliseconds(200))
        } while ContinuousClock.now < deadline
        let screenshot = try await desktopPage.screenshot()
        try screenshot.write(to: URL(fileURLWithPath: directory + "/desktop.png"))
        _ = try await streaming.value
        // The desktop followed Alice's live call and shows numbers, not placeholders.
        #expect(Self.text(of: "call-id", in: desktop) == callId)
        #expect(Self.text(of: "status", in: desktop) == "live")
        let effort = try #require(Double(Self.text(of: "effort-value", in: desktop) ?? ""), "effort not shown")
        #expect((1...7).contains(effort))
        #expect(Self.text(of: "talk-advisor", in: desktop)?.hasSuffix("%") == true)
        #expect(Self.text(of: "talk-customer", in: desktop)?.hasSuffix("%") == true)
        #expect(Self.text(of: "dead-air", in: desktop)?.hasSuffix(" s") == true)
        let streamTime = try #require(Self.text(of: "stream-seconds", in: desktop))
        #expect(streamTime != "0:00", "no update reached the page")
        #expect(desktop.contains("<li>") && !desktop.contains("waiting for the first update"))
        // The wall lists the call under Alice.
        #expect(wall.contains(#"data-call-id="\#(callId)""#))
        #expect(wall.contains("<td>alice</td>"))
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
        let read = PageBox()
        let streaming = Task {
            _ = try await server.webSocket("/v1/ingest/native", headers: [.authorization: "Bearer \(LiveTestServer.ingestToken)"]) { _, outbound, _ in
                try await outbound.write(.text(#"{"type":"start","callId":"\#(callId)","agentId":"alice","team":"north","sampleRateHz":8000,"encoding":"L16","channels":["advisor","customer"]}"#))
                for frame in frames { try await outbound.write(frame) }
                let deadline = ContinuousClock.now + .seconds(120)
                while !read.isLive && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
                try await outbound.write(.text(#"{"type":"stop"}"#))
            }
        }
        defer { read.markLive(); streaming.cancel() }
        let directory = RepositoryPaths.temporaryDirectory("attune-pages-hold")
        let desktopPage = try await ChromiumPage(url: server.url("/desktop?token=\(LiveTestServer.aliceToken)"), profile: directory + "/desktop")
        let wallPage = try await ChromiumPage(url: server.url("/wall?token=\(LiveTestServer.northToken)"), profile: directory + "/wall")
        defer { desktopPage.close(); wallPage.close() }
        var desktopHold: String?, wallMarked = false
        let deadline = ContinuousClock.now + .seconds(120)
        while (desktopHold == nil || !wallMarked) && ContinuousClock.now < deadline {
            if let text = Self.text(of: "hold", in: try await desktopPage.html()), text.hasPrefix("On hold ") { desktopHold = text }
            if try await wallPage.html().contains("on hold ") { wallMarked = true }
            try await Task.sleep(for: .milliseconds(200))
        }
        read.markLive()
        let shown = try #require(desktopHold, "the desktop never showed the hold timer")
        #expect(shown.range(of: #"^On hold \d+:\d\d$"#, options: .regularExpression) != nil, "\(shown)")
        #expect(wallMarked, "the wall never marked the call on hold")
        _ = try? await streaming.value
    }

    /// Streams `audio` as Alice's call over the native protocol in 20 ms frames, `framesPerSecond`
    /// of them a second, and returns once the call is live (the task ends with the stream).
    static func streamAsAlice(
        _ audio: LoadedRecording, callId: String, framesPerSecond: Int, to server: LiveTestServer
    ) async throws -> Task<IngestEndToEndTests.Streamed, any Error> {
        let frame = 160 * 2
        let frames = stride(from: 0, to: audio.samples.count, by: frame).map {
            WebSocketOutboundWriter.OutboundFrame.binary(IngestEndToEndTests.l16(audio.samples[$0..<min($0 + frame, audio.samples.count)]))
        }
        let pages = PageBox()
        let streaming = Task {
            try await IngestEndToEndTests.stream(
                server: server, path: "/v1/ingest/native", headers: [.authorization: "Bearer \(LiveTestServer.ingestToken)"], callId: callId,
                opening: [.text(#"{"type":"start","callId":"\#(callId)","agentId":"alice","team":"north","sampleRateHz":8000,"encoding":"L16","channels":["advisor","customer"]}"#)],
                frames: frames, framesPerSecond: framesPerSecond, closing: [.text(#"{"type":"stop"}"#)], pauseMilliseconds: 40,
                whenLive: { pages.markLive() })
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while !pages.isLive {
            guard ContinuousClock.now < deadline else { streaming.cancel(); throw CancellationError() }
            try await Task.sleep(for: .milliseconds(50))
        }
        return streaming
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

/// Set once the streamed call is live.
final class PageBox: @unchecked Sendable {
    private let lock = NSLock()
    private var live = false
    func markLive() { lock.withLock { live = true } }
    var isLive: Bool { lock.withLock { live } }
}
