import AttuneDSP
import AttunePipeline
import AttuneTestSupport
import Testing

/// Speech is never music, a loop or a tone: on every fixture call, the calibration calls and the
/// real-speech calls built from EmoDB and AMI (`RealSpeechMaterial`), at most 0.5 % of each set's
/// truth speech frames fall in what the engine marks as music, an announcement loop or a tone
/// (issue 12). The calls carry none of these, so every marked frame that is speech is wrong.
@Suite struct NonSpeechOnSpeechTests {
    struct Tally: CustomStringConvertible {
        var speechFrames = 0, markedSpeechFrames = 0, markedFrames = 0, keypadDigits = 0
        static func += (a: inout Tally, b: Tally) {
            a.speechFrames += b.speechFrames
            a.markedSpeechFrames += b.markedSpeechFrames
            a.markedFrames += b.markedFrames
            a.keypadDigits += b.keypadDigits
        }
        var share: Double { Double(markedSpeechFrames) / Double(max(speechFrames, 1)) }
        var description: String {
            "\(markedSpeechFrames) of \(speechFrames) speech frames marked (\(markedFrames) frames marked in all), \(keypadDigits) keypad digits"
        }
    }

    /// Runs the engine over `truth`'s recording and counts its speech frames inside marked runs.
    static func tally(_ truth: FixtureTruth, directory: String) throws -> Tally {
        let audio = try LoadedRecording.load(truth.recording(directory: directory))
        let parties = audio.layout.parties
        var engine = SignalEngine(
            configuration: .default, channelCount: audio.layout.channelCount, inputSampleRateHz: audio.sampleRateHz,
            cueChannel: audio.layout.channel(of: .customer), rejectsFarTalkers: parties != [.mixed])
        engine.push(interleaved: audio.samples)
        let channels = engine.finish()
        let frameCount = Int((truth.durationSeconds * 100).rounded(.up))
        var tally = Tally()
        for (party, channel) in zip(parties, channels) {
            let speech = FrameScoring.frames(party == .mixed ? truth.segments(of: .advisor) + truth.segments(of: .customer) + truth.segments(of: .mixed) : truth.segments(of: party), frameCount: frameCount)
            let runs = channel.nonSpeechRuns.filter { $0.kind != .muted }.map { ($0.startSeconds, $0.endSeconds) }
                + channel.toneRuns.map { ($0.startSeconds, $0.endSeconds) }
            let marked = FrameScoring.frames(runs, frameCount: frameCount)
            tally.keypadDigits += channel.toneRuns.count { $0.kind == .dtmf }
            tally.speechFrames += speech.count { $0 }
            tally.markedFrames += marked.count { $0 }
            tally.markedSpeechFrames += zip(speech, marked).count { $0 && $1 }
        }
        return tally
    }

    @Test func fixtureAndCalibrationSpeechIsNotMusicOrTone() throws {
        for (name, directory) in [("fixtures", RepositoryPaths.fixtureCalls), ("calibration", RepositoryPaths.calibrationCalls)] {
            var total = Tally()
            for id in FixtureTruth.allCallIds(directory: directory) {
                total += try Self.tally(try FixtureTruth.load(id, directory: directory), directory: directory)
            }
            #expect(total.speechFrames > 10_000)
            #expect(total.share <= 0.005, "\(name): \(total)")
            #expect(total.keypadDigits == 0, "\(name): \(total)")
        }
    }

    @Test(arguments: ["far", "raised"])
    func realSpeechIsNotMusicOrTone(set: String) throws {
        var bySplit: [String: Tally] = [:]
        for call in try RealSpeechMaterial.calls(set) {
            bySplit[call.split, default: Tally()] += try Self.tally(call.truth, directory: call.directory)
        }
        #expect(bySplit.count == 2)
        for (split, tally) in bySplit {
            #expect(tally.speechFrames > 10_000)
            #expect(tally.share <= 0.005, "\(set) \(split): \(tally)")
            #expect(tally.keypadDigits == 0, "\(set) \(split): \(tally)")
        }
    }
}
