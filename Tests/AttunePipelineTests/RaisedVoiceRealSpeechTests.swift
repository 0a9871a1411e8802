import AttuneDSP
import AttunePipeline
import AttuneTestSupport
import Foundation
import Testing

/// Raised voice on noisy lines, on real speech (`RealSpeechMaterial`, set `raised`): EmoDB
/// speakers' angry phrases placed +8, +10 and +12 dB over the speaker's own median level (300 ms
/// windows of the clean signal) among their calm speech, on μ-law lines with pink or white noise at
/// 25, 15 and 10 dB SNR and −21 dB echo of the other party; and calm calls built the same way.
/// Targets (issue 11): phrases of +10 dB and more found at 25 and 15 dB SNR (recall ≥ 0.9, on the
/// calls thresholds were chosen on and on the held-out speakers alike); no raised voice at all in
/// the calm calls.
@Suite struct RaisedVoiceRealSpeechTests {
    struct Outcome: Sendable {
        var call: RealSpeechMaterial.Call
        var found: [Bool]
        var falseSpikes: Int
    }

    static let outcomes: [Outcome] = {
        try! RealSpeechMaterial.calls("raised").map { call in
            let report = try! RecordingAnalysis.analyze(call.truth.recording(directory: call.directory))
            let spikes = report.events.filter { $0.type == .energySpike }
            func overlaps(_ spike: CallReport.Event, _ phrase: FixtureTruth.Event) -> Bool {
                spike.party == .customer && spike.startSeconds < phrase.endSeconds + 0.2 && spike.endSeconds > phrase.startSeconds - 0.2
            }
            let phrases = call.truth.events("energySpike")
            let found = phrases.map { phrase in spikes.contains { overlaps($0, phrase) } }
            let falseSpikes = spikes.count { spike in !phrases.contains { overlaps(spike, $0) } }
            return Outcome(call: call, found: found, falseSpikes: falseSpikes)
        }
    }()

    @Test func raisedPhrasesAreFoundOnNoisyLines() throws {
        #expect(Self.outcomes.count == 48)
        for split in ["tune", "heldOut"] {
            for raised in [8.0, 10, 12] {
                for snr in [25.0, 15, 10] {
                    let cell = Self.outcomes.filter { $0.call.split == split && $0.call.truth.condition.raisedDb == raised && $0.call.truth.condition.snrDb == snr }
                    let found = cell.flatMap(\.found)
                    print("raised voice, \(split), +\(Int(raised)) dB, \(Int(snr)) dB SNR: \(found.count { $0 })/\(found.count) phrases found")
                }
            }
            let target = Self.outcomes.filter {
                $0.call.split == split && ($0.call.truth.condition.raisedDb ?? 0) >= 10 && [25.0, 15].contains($0.call.truth.condition.snrDb ?? 0)
            }.flatMap(\.found)
            #expect(target.count == 40)
            let recall = Double(target.count { $0 }) / Double(max(target.count, 1))
            #expect(recall >= 0.9, "\(split): +10 and +12 dB phrases at 25 and 15 dB SNR, recall \(recall)")
        }
    }

    @Test func calmCallsHaveNoRaisedVoice() {
        let calm = Self.outcomes.filter { $0.call.truth.calm }
        #expect(calm.count == 12)
        for outcome in calm {
            #expect(outcome.falseSpikes == 0, "\(outcome.call.truth.callId): \(outcome.falseSpikes) raised-voice event(s) in a calm call")
        }
        let elsewhere = Self.outcomes.filter { !$0.call.truth.calm }.map(\.falseSpikes).reduce(0, +)
        print("raised voice: \(elsewhere) event(s) outside the raised phrases of the 36 raised calls")
    }
}
