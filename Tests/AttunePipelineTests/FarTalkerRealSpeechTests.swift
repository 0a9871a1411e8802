import AttuneDSP
import AttunePipeline
import AttuneTestSupport
import Foundation
import Testing

/// The wearer's own voice among other voices in the room, on real speech (`RealSpeechMaterial`,
/// set `far`): each channel's microphone hears its near talker (an EmoDB speaker, close and dry)
/// and 1–3 far talkers (other EmoDB speakers or AMI meeting speech, reverberant) at −10 to −30 dB,
/// on 8 kHz μ-law lines at 30 or 20 dB SNR with −25 dB echo. Truth is the near talker only.
///
/// Issue 11 asks for per-party F1 ≥ 0.95 with far talkers at −15 dB and below and ≥ 0.90 at
/// −10 dB. That is NOT met: the gate (`NearFieldGate`) reaches 0.91–0.94 at −20 to −30 dB and
/// 0.75–0.87 at −10 and −15 dB (the detector without it: 0.52–0.85; Silero VAD: 0.62–0.83). Nor
/// can it be under this truth: an oracle that knows each channel's sources and takes every frame
/// where the wearer is as loud as the far talkers and the noise scores 0.84–0.94
/// (`Scripts/bench/far-oracle.py`). These tests hold what is achieved (slightly under the measured
/// figures, so that a change that undoes the gate fails), on the tune half the gate was fitted on
/// and on the held-out half alike.
@Suite struct FarTalkerRealSpeechTests {
    struct Counts: Sendable {
        var truePositive = 0, falsePositive = 0, falseNegative = 0, quietFound = 0, quiet = 0
        var f1: Double { 2 * Double(truePositive) / Double(max(2 * truePositive + falsePositive + falseNegative, 1)) }
        var quietRecall: Double { Double(quietFound) / Double(max(quiet, 1)) }
        static func += (a: inout Counts, b: Counts) {
            a.truePositive += b.truePositive
            a.falsePositive += b.falsePositive
            a.falseNegative += b.falseNegative
            a.quietFound += b.quietFound
            a.quiet += b.quiet
        }
    }

    /// Frame counts pooled over both parties of the calls of one (split, far level).
    static func pooled(configuration: AnalysisConfiguration) throws -> [String: Counts] {
        var out: [String: Counts] = [:]
        for call in try RealSpeechMaterial.calls("far") {
            let report = try RecordingAnalysis.analyze(call.truth.recording(directory: call.directory), configuration: configuration)
            let frameCount = Int((call.truth.durationSeconds * 100).rounded(.up))
            var counts = Counts()
            for party in [Party.advisor, .customer] {
                let truth = FrameScoring.frames(call.truth.segments(of: party), frameCount: frameCount)
                let quiet = FrameScoring.frames(call.truth.quietSegments(of: party), frameCount: frameCount)
                let detected = FrameScoring.frames(
                    report.segments.filter { $0.party == party }.map { ($0.startSeconds, $0.endSeconds) }, frameCount: frameCount)
                let frames = FrameScoring.counts(truth: truth, detected: detected)
                let quietFrames = FrameScoring.counts(truth: truth, detected: detected, include: quiet)
                counts += Counts(
                    truePositive: frames.truePositive, falsePositive: frames.falsePositive, falseNegative: frames.falseNegative,
                    quietFound: quietFrames.truePositive, quiet: quietFrames.truePositive + quietFrames.falseNegative)
            }
            out["\(call.split) \(Int(call.truth.condition.farTalkerDb ?? 0))", default: Counts()] += counts
        }
        return out
    }

    @Test func farTalkersAreNotTheWearersSpeech() throws {
        let gated = try Self.pooled(configuration: .default)
        var open = AnalysisConfiguration.default
        open.voiceActivity.nearFieldMinimumProbability = 0
        let ungated = try Self.pooled(configuration: open)
        #expect(gated.count == 10)
        for split in ["tune", "heldOut"] {
            for level in [-30, -25, -20, -15, -10] {
                let key = "\(split) \(level)"
                let counts = try #require(gated[key]), before = try #require(ungated[key])
                print("far talkers at \(level) dB, \(split): F1 \(counts.f1) (gate off \(before.f1)), quiet speech recall \(counts.quietRecall) (gate off \(before.quietRecall))")
                let floor = level <= -20 ? 0.88 : level == -15 ? 0.78 : 0.70
                #expect(counts.f1 >= floor, "\(key): F1 \(counts.f1)")
                #expect(counts.f1 >= before.f1 + 0.05, "\(key): the gate must help (\(before.f1) → \(counts.f1))")
                // The wearer's own quiet speech (10 dB under their median) is still found.
                #expect(counts.quietRecall >= 0.6, "\(key): quiet speech recall \(counts.quietRecall)")
            }
        }
    }
}
