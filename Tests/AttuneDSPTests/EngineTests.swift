import AttuneTestSupport
import Testing

@testable import AttuneDSP

@Suite struct EngineTests {
    /// Silence, then a 200 Hz tone starting exactly at sample 8000 (1.00 s).
    static func burst(seconds: Double = 3) -> [Float] {
        var samples = [Float](repeating: 0, count: 8000)
        samples += SignalGenerator.harmonicTone(frequencyHz: 200, sampleRateHz: 8000, seconds: seconds - 1, amplitude: 0.1)
        return samples
    }

    /// Each frame's measurements belong to that frame: frame 97's window (samples 7672…7927)
    /// holds no tone, frame 98's (7752…8007) holds its first 8 samples. A record shifted by one
    /// frame against its decision would show the tone a frame early.
    @Test func frameMeasurementsAlignWithTheirFrames() {
        var engine = SignalEngine(configuration: .steadyTones, channelCount: 1, inputSampleRateHz: 8000, tracesFrames: true)
        engine.push(interleaved: Self.burst())
        let trace = try! #require(engine.finish()[0].trace)
        #expect(trace.count == 300)
        #expect(trace.enumerated().allSatisfy { $0.offset == $0.element.frame })
        #expect(trace[97].levelDBFS == -120)
        #expect(trace[98].levelDBFS > -120)
        #expect(trace[103].levelDBFS > -40)
        #expect(!trace[96].isSpeech)
        let firstSpeech = try! #require(trace.firstIndex { $0.isSpeech })
        #expect((98...100).contains(firstSpeech), "speech starts at frame \(firstSpeech)")
        #expect(abs(trace[150].pitchHz - 200) < 4)
    }

    /// The engine's frame count covers the input exactly: one frame per started 10 ms hop.
    @Test(arguments: [0, 1, 79, 80, 81, 8000, 8001])
    func frameCountCoversTheInput(samples: Int) {
        var engine = SignalEngine(configuration: .steadyTones, channelCount: 2, inputSampleRateHz: 8000)
        engine.push(interleaved: [Float](repeating: 0, count: 2 * samples))
        _ = engine.finish()
        #expect(engine.frameCount == (samples + 79) / 80)
    }

    /// Crosstalk: the other party's voice copied into this channel 20 dB down and 40 ms late is
    /// not this party's speech; the same voice at full level is.
    @Test func bleedIsRejectedButRealOvertalkIsNot() {
        let voice = Self.burst()
        var bleed = [Float](repeating: 0, count: 320) + voice.map { $0 * 0.1 }
        bleed.removeLast(320)
        var rejected = SignalEngine(configuration: .steadyTones, channelCount: 2, inputSampleRateHz: 8000)
        rejected.push(interleaved: SignalGenerator.interleave([voice, bleed]))
        let quiet = rejected.finish()
        #expect(quiet[0].segments.count == 1)
        #expect(quiet[1].segments.isEmpty, "bleed detected as speech: \(quiet[1].segments)")

        // (A tone steady from the first sample would be stationary noise to any noise tracker.)
        let other = [Float](repeating: 0, count: 9600) + SignalGenerator.harmonicTone(frequencyHz: 130, sampleRateHz: 8000, seconds: 1.8, amplitude: 0.1)
        var overtalk = SignalEngine(configuration: .steadyTones, channelCount: 2, inputSampleRateHz: 8000)
        overtalk.push(interleaved: SignalGenerator.interleave([voice, other]))
        let both = overtalk.finish()
        #expect(both[0].segments.count == 1 && both[1].segments.count == 1)
    }
}
