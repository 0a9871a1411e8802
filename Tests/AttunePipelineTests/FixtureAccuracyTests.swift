import AttuneDSP
import AttunePipeline
import AttuneTestSupport
import Testing

/// Accuracy against the fixtures' truth (computed from the clean per-channel signals before any
/// noise, bleed or hum was added; see `Scripts/make_fixtures.py`).
@Suite struct FixtureAccuracyTests {
    static let calls = FixtureTruth.allCallIds()

    /// Speech F1 required for a fixture's line condition (issue 2): ≥ 0.95 on clean and 25 dB
    /// lines, ≥ 0.90 at 10 dB SNR and with bleed. The other conditions (15 dB, μ-law, hum, 16 kHz,
    /// two legs, mono) are all at least as clean as 15 dB, so they are held to 0.95 as well.
    static func requiredF1(_ truth: FixtureTruth) -> Double {
        switch truth.condition.name {
        case "snr10", "bleed": 0.90
        default: 0.95
        }
    }

    @Test func thereAreFixturesForEveryCondition() {
        let conditions = Set(Self.calls.compactMap { try? FixtureTruth.load($0).condition.name })
        #expect(conditions.isSuperset(of: ["clean", "snr25", "snr15", "snr10", "bleed", "mulaw", "16k", "twoleg", "mono"]))
    }

    @Test(arguments: calls)
    func speechOvertalkAndEventsMatchTruth(call: String) throws {
        let truth = try FixtureTruth.load(call)
        let report = try RecordingAnalysis.analyze(truth.recording(), callId: call)
        let frameCount = Int((truth.durationSeconds * 100).rounded(.up)) + 1

        // Speech per party, 10 ms frames.
        for party in truth.reportedParties {
            let truthFrames = FrameScoring.frames(truth.segments(of: party), frameCount: frameCount)
            let found = report.segments(of: party).map { ($0.startSeconds, $0.endSeconds) }
            let score = FrameScoring.f1(truth: truthFrames, detected: FrameScoring.frames(found, frameCount: frameCount))
            #expect(score.f1 >= Self.requiredF1(truth), "\(call) \(party): speech F1 \(score.f1)")
        }
        // Overtalk seconds within 10 % of truth.
        if truth.reportedParties.count == 2 {
            let overtalk = try #require(report.metrics.overtalkSeconds)
            #expect(abs(overtalk - truth.overtalkSeconds) <= 0.10 * truth.overtalkSeconds,
                    "\(call): overtalk \(overtalk) s, truth \(truth.overtalkSeconds) s")
        }
        // Every dead-air run found, both edges within 0.1 s; no dead air that is not in truth.
        let deadAir = report.events(.deadAir)
        for run in truth.events("deadAir") {
            let match = deadAir.first { abs($0.startSeconds - run.startSeconds) <= 0.1 && abs($0.endSeconds - run.endSeconds) <= 0.1 }
            #expect(match != nil, "\(call): dead air \(run.startSeconds)–\(run.endSeconds) not found within 0.1 s; found \(deadAir.map { ($0.startSeconds, $0.endSeconds) })")
        }
        #expect(deadAir.count == truth.events("deadAir").count, "\(call): \(deadAir.count) dead-air runs, truth \(truth.events("deadAir").count)")

        if truth.reportedParties.count == 2 {
            // Interruption count exact; no backchannel reported as an interruption.
            let interruptions = report.events(.interruption)
            #expect(interruptions.count == truth.events("interruption").count, "\(call): \(interruptions.count) interruptions, truth \(truth.events("interruption").count)")
            for backchannel in truth.events("backchannel") {
                let misread = interruptions.contains {
                    $0.party?.rawValue == backchannel.party && FrameScoring.overlaps(($0.startSeconds, $0.endSeconds), (backchannel.startSeconds, backchannel.endSeconds))
                }
                #expect(!misread, "\(call): backchannel at \(backchannel.startSeconds) s reported as an interruption")
                let found = report.events(.backchannel).contains {
                    $0.party?.rawValue == backchannel.party && FrameScoring.overlaps(($0.startSeconds, $0.endSeconds), (backchannel.startSeconds, backchannel.endSeconds))
                }
                #expect(found, "\(call): backchannel at \(backchannel.startSeconds) s not reported")
            }
        }

        // Every raised-voice phrase reported as an energy spike of that party; none in calm calls.
        let spikes = report.events(.energySpike)
        if truth.calm {
            #expect(spikes.isEmpty, "\(call) is calm but has spikes at \(spikes.map(\.startSeconds))")
        }
        for phrase in truth.events("energySpike") where truth.reportedParties.count == 2 {
            let found = spikes.contains {
                $0.party?.rawValue == phrase.party && FrameScoring.overlaps(($0.startSeconds, $0.endSeconds), (phrase.startSeconds, phrase.endSeconds))
            }
            #expect(found, "\(call): raised phrase at \(phrase.startSeconds)–\(phrase.endSeconds) s not reported")
        }
    }

    /// The same call recorded at 8 kHz and at 16 kHz: talk and overtalk within 2 % of each other.
    @Test func eightAndSixteenKilohertzAgree() throws {
        let narrow = try RecordingAnalysis.analyze(FixtureTruth.load("heated-clean").recording())
        let wide = try RecordingAnalysis.analyze(FixtureTruth.load("heated-16k").recording())
        #expect(narrow.sampleRateHz == 8000 && wide.sampleRateHz == 16000)
        for party in [Party.advisor, .customer] {
            let a = try #require(narrow.metrics[party]?.talkSeconds), b = try #require(wide.metrics[party]?.talkSeconds)
            #expect(abs(a - b) <= 0.02 * a, "\(party) talk: \(a) s at 8 kHz, \(b) s at 16 kHz")
        }
        let a = try #require(narrow.metrics.overtalkSeconds), b = try #require(wide.metrics.overtalkSeconds)
        #expect(abs(a - b) <= 0.02 * a, "overtalk: \(a) s at 8 kHz, \(b) s at 16 kHz")
    }
}
