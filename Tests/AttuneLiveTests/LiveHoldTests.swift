import AttuneDSP
import AttuneLive
import AttunePipeline
import AttuneTestSupport
import Testing

/// Holds live: the same engine as the batch, so a call streamed in 20 ms pushes ends with the
/// batch's report, its holds included; while the music or the loop plays, updates say the call is
/// on hold (the desktop's timer, the wall's mark), and no dead-air alert fires for the wait.
@Suite struct LiveHoldTests {
    @Test(arguments: ["hold-music-clean", "hold-real-music", "hold-announcement"])
    func liveHoldsMatchTheBatchAndShowWhileTheyLast(call: String) throws {
        let fixture = try HoldFixture.load(call)
        let audio = fixture.clean
        var live = try LiveCall(
            setup: LiveCallSetup(callId: call, agentId: "alice", team: "north", layout: audio.layout, sampleRateHz: audio.sampleRateHz),
            source: "test", startedAt: "2026-12-05T09:00:00Z", configuration: .default, model: nil, options: LiveOptions())
        var messages: [LiveMessage] = []
        let scratch = FrameScratchPool()
        let step = 2 * audio.sampleRateHz / 50
        for start in stride(from: 0, to: audio.samples.count, by: step) {
            messages += live.push(Array(audio.samples[start..<min(start + step, audio.samples.count)]), scratch: scratch)
        }
        let final = live.finish().report
        #expect(final == (try audio.analyze(callId: call)), "\(call): live and batch differ")

        let hold = try #require(fixture.truth.holds.first)
        let updates = messages.compactMap { if case .update(let update) = $0 { update } else { nil } }
        // From when it can be known (a hold shows once it has lasted 5 s; music that never pauses
        // after 11 s; a loop once heard a third time) to its end, every update shows it, starting
        // within 0.5 s of the truth.
        let known = hold.kind == "announcement" ? 19.5 : 12.5
        let during = updates.filter { $0.streamSeconds >= hold.startSeconds + known && $0.streamSeconds <= hold.endSeconds - 0.5 }
        #expect(!during.isEmpty)
        for update in during {
            let since = try #require(update.onHoldSinceSeconds, "\(call) at \(update.streamSeconds) s: not on hold")
            #expect(abs(since - hold.startSeconds) <= 0.5, "\(call): on hold since \(since) s, truth \(hold.startSeconds) s")
            #expect(update.silenceSeconds == 0)
        }
        // Well after it, nobody is on hold.
        #expect(updates.filter { $0.streamSeconds >= hold.endSeconds + 3 }.allSatisfy { $0.onHoldSinceSeconds == nil })
        // No dead-air alert for the wait once the hold is known, during it or after it. (A loop is
        // only known at its third hearing: the silence after the first can alert before that.)
        let deadAir = messages.compactMap { if case .alert(let alert) = $0, alert.cause == .deadAir { alert } else { nil } }
        #expect(deadAir.allSatisfy { $0.atSeconds <= hold.startSeconds || $0.atSeconds >= hold.endSeconds || $0.streamSeconds < hold.startSeconds + known },
                "\(call): dead-air alerts at \(deadAir.map(\.atSeconds)) s, hold \(hold.startSeconds)–\(hold.endSeconds) s")
    }
}
