import AttuneDSP
import AttuneLive
import AttunePipeline
import Testing

/// The server's work-buffer pool keeps as many sets as pushes run at once, not one per call.
@Suite struct FrameScratchPoolTests {
    /// Pushes one after another share one set; a push while another holds a set gets a set of its
    /// own, and both are kept for later pushes.
    @Test func keepsOneSetPerPushRunningAtOnce() {
        let pool = FrameScratchPool()
        #expect(pool.idleCount == 0)
        for _ in 0..<100 { pool.withScratch { _ in } }
        #expect(pool.idleCount == 1)
        let idleInside = pool.withScratch { _ in pool.withScratch { _ in pool.idleCount } }
        #expect(idleInside == 0)
        #expect(pool.idleCount == 2)
    }

    /// Live calls pushed in turn, as a server's connections push, hold no set between pushes.
    @Test func liveCallsKeepNoSetBetweenPushes() throws {
        let pool = FrameScratchPool()
        var calls = try (0..<20).map { index in
            try LiveCall(
                setup: LiveCallSetup(callId: "c\(index)", agentId: "a", team: "t", layout: .stereo(advisorChannel: 0), sampleRateHz: 8000),
                source: "test", startedAt: "2026-12-07T09:00:00Z", configuration: .default, model: nil, options: LiveOptions())
        }
        let chunk = (0..<320).map { Float(($0 * 7919) % 200 - 100) / 400 }
        for _ in 0..<50 {
            for index in calls.indices { _ = calls[index].push(chunk, scratch: pool) }
        }
        #expect(pool.idleCount == 1)
        #expect(calls.allSatisfy { $0.receivedSeconds == 1 })
    }
}
