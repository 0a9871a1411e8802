import AttuneDSP
import AttunePipeline
import AttuneTestSupport
import Foundation
import Testing

/// Holds, music and announcements (`fixtures/holds`, made from parts of calm-clean by
/// `Scripts/make_hold_fixtures.py`), clean and on the noisy lines the tests make from them: hold
/// time within 0.5 s of truth, no music or announcement counted as talk, and everyone's talk the
/// same as in the same call without the hold.
@Suite struct HoldTests {
    /// A line a call is heard on.
    enum Line: String, CaseIterable, Sendable {
        /// As committed.
        case clean
        /// White noise 15 dB under the speech (calm-clean speaks at −26 dBFS) on both channels, a
        /// G.711 μ-law WAV written and read back by libsndfile. On the silent hold, the noise
        /// stops on the advisor's channel during the hold: their microphone is muted.
        case noisyMuLaw
    }

    static func heard(_ recording: LoadedRecording, on line: Line, muted: [(Double, Double)] = []) throws -> LoadedRecording {
        guard line == .noisyMuLaw else { return recording }
        return try HoldFixture.noisy(recording, noiseDBFS: [-41, -41], seed: 12, quiet: muted, muLaw: true)
    }

    static let holdCalls = ["hold-music-clean", "hold-real-music", "hold-announcement", "hold-silent"]

    /// Truth frames of `spans` over `frameCount` frames.
    static func frames(_ spans: [(Double, Double)], _ frameCount: Int) -> [Bool] { FrameScoring.frames(spans, frameCount: frameCount) }

    @Test(arguments: holdCalls, Line.allCases)
    func holdsAreFoundWithTheirLengthAndKind(call: String, line: Line) throws {
        let fixture = try HoldFixture.load(call)
        let silentHolds = fixture.truth.holds.filter { $0.kind == "silent" }.map { ($0.startSeconds, $0.endSeconds) }
        // A silent hold is only a hold on a line with noise to go quiet; clean, it is a silence.
        let expected = line == .clean ? fixture.truth.holds.filter { $0.kind != "silent" } : fixture.truth.holds
        let audio = try Self.heard(fixture.clean, on: line, muted: silentHolds)
        let report = try audio.analyze(callId: call)
        let holds = report.events(.hold)
        let truthSeconds = expected.reduce(0) { $0 + $1.endSeconds - $1.startSeconds }
        let foundSeconds = holds.reduce(0) { $0 + $1.durationSeconds }
        #expect(holds.count == expected.count, "\(call) \(line): \(holds.map { ($0.startSeconds, $0.endSeconds, $0.holdKind ?? "") })")
        #expect(abs(foundSeconds - truthSeconds) <= 0.5, "\(call) \(line): hold \(foundSeconds) s, truth \(truthSeconds) s")
        #expect(report.metrics.holdSeconds.map { abs($0 - truthSeconds) <= 0.5 } ?? false)
        for (found, truth) in zip(holds, expected) {
            #expect(found.holdKind == truth.kind && found.party == .advisor, "\(call) \(line)")
            #expect(abs(found.startSeconds - truth.startSeconds) <= 0.5 && abs(found.endSeconds - truth.endSeconds) <= 0.5,
                    "\(call) \(line): \(found.startSeconds)–\(found.endSeconds), truth \(truth.startSeconds)–\(truth.endSeconds)")
        }
        // A hold is not dead air unless it is silent (the default: the customer hears silence).
        for deadAir in report.events(.deadAir) {
            for hold in holds where hold.holdKind != "silent" {
                #expect(deadAir.endSeconds <= hold.startSeconds || deadAir.startSeconds >= hold.endSeconds, "\(call) \(line)")
            }
        }
    }

    @Test(arguments: holdCalls, Line.allCases)
    func musicAndLoopsAreNotTalkAndTalkIsAsWithoutTheHold(call: String, line: Line) throws {
        let fixture = try HoldFixture.load(call)
        let silentHolds = fixture.truth.holds.filter { $0.kind == "silent" }.map { ($0.startSeconds, $0.endSeconds) }
        let report = try Self.heard(fixture.clean, on: line, muted: silentHolds).analyze(callId: call)
        // Not one second of music or announcement is talk (10 ms frames, both parties).
        let frameCount = Int((fixture.truth.durationSeconds * 100).rounded(.up))
        let played = Self.frames((fixture.truth.music + fixture.truth.announcements).map { ($0.startSeconds, $0.endSeconds) }, frameCount)
        let talk = Self.frames(report.segments.map { ($0.startSeconds, $0.endSeconds) }, frameCount)
        let playedAsTalk = zip(played, talk).filter { $0 && $1 }.count
        #expect(playedAsTalk == 0, "\(call) \(line): \(playedAsTalk) frames of hold material counted as talk")
        // Everyone's talk is what it is in the same call without the hold, on the same line.
        let base = try Self.heard(fixture.withoutInserts(), on: line).analyze(callId: call)
        for party in [Party.advisor, .customer] {
            let with = try #require(report.metrics[party]?.talkSeconds), without = try #require(base.metrics[party]?.talkSeconds)
            #expect(abs(with - without) <= 0.02 * without, "\(call) \(line) \(party): talk \(with) s with the hold, \(without) s without")
        }
    }

    @Test func aHoldCountsAsDeadAirOnlyWhenSilentAndSoConfigured() throws {
        let fixture = try HoldFixture.load("hold-silent")
        let muted = fixture.truth.holds.map { ($0.startSeconds, $0.endSeconds) }
        let audio = try Self.heard(fixture.clean, on: .noisyMuLaw, muted: muted)
        let hold = try #require(muted.first)
        func deadAirInHold(_ report: CallReport) -> Double {
            report.events(.deadAir).reduce(0) { $0 + max(0, min($1.endSeconds, hold.1) - max($1.startSeconds, hold.0)) }
        }
        let byDefault = try audio.analyze(callId: "silent")
        #expect(deadAirInHold(byDefault) >= hold.1 - hold.0 - 1, "the customer hears silence: dead air by default")
        var configuration = AnalysisConfiguration.default
        configuration.holds.silentHoldIsDeadAir = 0
        let holdOnly = try audio.analyze(callId: "silent", configuration: configuration)
        #expect(deadAirInHold(holdOnly) == 0)
        #expect(holdOnly.events(.hold).count == 1)
    }

    @Test(arguments: holdCalls)
    func holdReportsDoNotDependOnChunkSize(call: String) throws {
        let fixture = try HoldFixture.load(call)
        let muted = fixture.truth.holds.filter { $0.kind == "silent" }.map { ($0.startSeconds, $0.endSeconds) }
        let audio = try Self.heard(fixture.clean, on: .noisyMuLaw, muted: muted)
        let whole = try audio.analyze(callId: call)
        #expect(!whole.events(.hold).isEmpty)
        // (ChunkInvarianceTests feed every fixture one sample at a time; here 7 and 441 keep the
        // suite's CPU down on a busy machine.)
        for chunk in [7, 441] {
            #expect(try audio.analyze(callId: call, chunkSamples: chunk) == whole, "\(call): chunks of \(chunk) samples changed the report")
        }
    }

    // MARK: - Keypad and tones

    /// The keypad call on the line the issue names: 8 kHz μ-law, the customer's channel with white
    /// noise 15 dB under the DTMF pairs (their speech is then only about 2 dB above it), the
    /// advisor's 15 dB under their speech.
    static func keypadCall(on line: Line) throws -> (HoldFixture, LoadedRecording) {
        let fixture = try HoldFixture.load("ringback-dtmf-tones")
        guard line == .noisyMuLaw else { return (fixture, fixture.clean) }
        let pair = try #require(fixture.truth.levels.dtmfPairDbfs)
        return (fixture, try HoldFixture.noisy(fixture.clean, noiseDBFS: [-41, pair - 15], seed: 34, muLaw: true))
    }

    @Test(arguments: Line.allCases)
    func everyKeypadDigitIsFoundWhereItWas(line: Line) throws {
        let (fixture, audio) = try Self.keypadCall(on: line)
        var configuration = AnalysisConfiguration.default
        configuration.tones.revealDtmfDigits = 1
        let report = try audio.analyze(callId: "keypad", configuration: configuration)
        let keys = report.events(.dtmf)
        #expect(keys.map { $0.digit ?? "?" } == fixture.truth.dtmf.map { $0.digit ?? "" }, "\(line)")
        for (found, truth) in zip(keys, fixture.truth.dtmf) {
            #expect(found.party == .customer)
            #expect(abs(found.startSeconds - truth.startSeconds) <= 0.02 && abs(found.endSeconds - truth.endSeconds) <= 0.02,
                    "\(line) \(truth.digit ?? ""): \(found.startSeconds)–\(found.endSeconds), truth \(truth.startSeconds)–\(truth.endSeconds)")
        }
        // Ringback and busy: each burst a tone, none of them talk, silence or dead air.
        let tones = report.events(.tone)
        #expect(tones.count == fixture.truth.tones.count, "\(line): \(tones.map { ($0.startSeconds, $0.endSeconds) })")
        for (found, truth) in zip(tones, fixture.truth.tones) {
            #expect(abs(found.startSeconds - truth.startSeconds) <= 0.05 && abs(found.endSeconds - truth.endSeconds) <= 0.05, "\(line)")
        }
        let frameCount = Int((fixture.truth.durationSeconds * 100).rounded(.up))
        let sounded = Self.frames((fixture.truth.tones + fixture.truth.dtmf).map { ($0.startSeconds, $0.endSeconds) }, frameCount)
        let talk = Self.frames(report.segments.map { ($0.startSeconds, $0.endSeconds) }, frameCount)
        #expect(zip(sounded, talk).filter { $0 && $1 }.count == 0, "\(line): tones counted as talk")
        if line == .clean {
            let base = try fixture.withoutInserts().analyze(callId: "keypad-base")
            for party in [Party.advisor, .customer] {
                let with = try #require(report.metrics[party]?.talkSeconds), without = try #require(base.metrics[party]?.talkSeconds)
                #expect(abs(with - without) <= 0.02 * without, "\(party): talk \(with) s with the tones, \(without) s without")
            }
        }
    }

    @Test func keypadValuesAreMaskedUnlessAllowed() throws {
        let (_, audio) = try Self.keypadCall(on: .clean)
        let report = try audio.analyze(callId: "keypad")
        #expect(report.events(.dtmf).count == 16)
        #expect(report.events(.dtmf).allSatisfy { $0.digit == nil })
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(!json.contains("\"digit\""), "a digit's value reached the report")
        #expect(report.metrics.dtmfDigitCount == 16)
    }
}
