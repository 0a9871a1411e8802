import AttuneTestSupport
import Glibc
import Testing

@testable import AttuneDSP

/// Pitch within 2 % on synthetic harmonic signals of known F0 (80–400 Hz), at 8 and 16 kHz.
@Suite struct PitchTests {
    static let frequencies: [Double] = [80, 95, 110, 130, 150, 175, 200, 240, 280, 330, 400]

    /// Frames a signal at the analysis rate exactly as the engine does, and estimates each frame's F0.
    static func frameEstimates(_ signal: [Float], sampleRateHz: Int) -> [PitchEstimate] {
        var resampler = sampleRateHz == 8000 ? nil : PolyphaseResampler(inputRateHz: sampleRateHz, outputRateHz: 8000)
        var assembler = FrameAssembler()
        var spectrum = SpectrumAnalyzer()
        var estimator = PitchEstimator(configuration: PitchConfiguration())
        var bands = [Float](repeating: 0, count: BandLayout.bandCount)
        var scratch = FrameScratch()
        var estimates: [PitchEstimate] = []
        for sample in signal {
            var value = sample
            if resampler != nil, !resampler!.push(sample, output: &value) { continue }
            if assembler.append(value) {
                _ = assembler.withCurrentWindow { spectrum.analyze($0, bands: &bands, scratch: &scratch, channel: 0) }
                estimates.append(estimator.estimate(spectrumOf: 0, scratch: &scratch))
                assembler.advance()
            }
        }
        return estimates
    }

    @Test(arguments: [8000, 16000], frequencies)
    func everyFrameOfAHarmonicToneIsWithinTwoPercent(sampleRateHz: Int, frequencyHz: Double) {
        let tone = SignalGenerator.harmonicTone(frequencyHz: frequencyHz, sampleRateHz: sampleRateHz, seconds: 1.0)
        // Skip frames whose window reaches before the tone started or past its end.
        let estimates = Self.frameEstimates(tone, sampleRateHz: sampleRateHz).dropFirst(5).dropLast(5)
        #expect(estimates.count > 80)
        for estimate in estimates {
            let error = abs(Double(estimate.frequencyHz) - frequencyHz) / frequencyHz
            #expect(error < 0.02, "estimated \(estimate.frequencyHz) Hz for \(frequencyHz) Hz at \(sampleRateHz) Hz")
            #expect(estimate.voicing > 0.8)
        }
    }

    /// Vowels, where formants make the 3rd–6th harmonic dominate, full-band and through a
    /// telephone line (no harmonics below 300 Hz): still the fundamental, within 2 %.
    @Test(arguments: [8000, 16000], [85.0, 110.0, 150.0, 210.0, 300.0])
    func everyFrameOfAVowelIsWithinTwoPercent(sampleRateHz: Int, frequencyHz: Double) {
        let shapes: [(formants: [Double], lowest: Double)] = [[500.0, 1500, 2500], [300, 2200, 3000], [700, 1100, 2400]]
            .flatMap { formants in [(formants, 0.0), (formants, 300.0)] }
        for (formants, lowest) in shapes {
            let vowel = SignalGenerator.vowel(
                frequencyHz: frequencyHz, formantsHz: formants, lowestHz: lowest, sampleRateHz: sampleRateHz, seconds: 1.0)
            let estimates = Self.frameEstimates(vowel, sampleRateHz: sampleRateHz).dropFirst(5).dropLast(5)
            let wrong = estimates.filter { abs(Double($0.frequencyHz) - frequencyHz) / frequencyHz >= 0.02 }
            #expect(wrong.count == 0, "\(frequencyHz) Hz vowel \(formants) from \(lowest) Hz at \(sampleRateHz) Hz: \(wrong.count) of \(estimates.count) frames wrong, e.g. \(wrong.first?.frequencyHz ?? 0) Hz")
        }
    }

    /// A telephone-band vowel gliding from 100 to 150 Hz (7.0 semitones) in bursts: the reported
    /// range (10th to 90th percentile) matches the glide's within 1 semitone, so harmonic errors
    /// cannot inflate it.
    @Test func pitchRangeOfAGlidingVowelMatchesConstruction() {
        var samples: [Float] = []
        let rate = 8000
        for burst in 0..<8 {
            samples += [Float](repeating: 0, count: rate / 2)
            let f = 100 * pow(1.5, Double(burst) / 7)  // 100 … 150 Hz in 8 steps
            samples += SignalGenerator.vowel(frequencyHz: f, lowestHz: 300, sampleRateHz: rate, seconds: 0.8, amplitude: 0.1)
        }
        samples += [Float](repeating: 0, count: rate / 2)
        var engine = SignalEngine(configuration: .steadyTones, channelCount: 1, inputSampleRateHz: rate)
        engine.push(interleaved: samples)
        let summary = engine.finish()[0]
        // Truth: with 8 steps of equal length, the 10th percentile lies in the first step and the
        // 90th in the last, so the range is the glide's full 7.0 semitones.
        let truthRange = 12 * log2(1.5)
        let range = try! #require(summary.pitchRangeSemitones)
        #expect(abs(range - truthRange) < 1.0, "range \(range) st, construction ≈ \(truthRange) st")
        let median = try! #require(summary.pitchMedianHz)
        #expect(median > 115 && median < 130)
    }

    @Test func noiseIsNotVoiced() {
        var generator = SignalGenerator(seed: 7)
        let noise = generator.noise(count: 8000, rms: 0.1)
        let estimates = Self.frameEstimates(noise, sampleRateHz: 8000).dropFirst(5)
        let voiced = estimates.filter { $0.voicing >= 0.5 }.count
        #expect(Double(voiced) / Double(estimates.count) < 0.05)
    }

    /// The whole engine: a tone in bursts (so voice activity sees it come and go) gives the
    /// party's pitch median within 2 %.
    @Test(arguments: [8000, 16000], [85.0, 140.0, 230.0, 390.0])
    func reportedMedianOfABurstyToneIsWithinTwoPercent(sampleRateHz: Int, frequencyHz: Double) {
        var samples: [Float] = []
        let silence = [Float](repeating: 0, count: sampleRateHz / 2)
        for _ in 0..<6 {
            samples += silence
            samples += SignalGenerator.harmonicTone(frequencyHz: frequencyHz, sampleRateHz: sampleRateHz, seconds: 1.2, amplitude: 0.1)
        }
        samples += silence
        // A steady tone has none of speech's syllable rhythm, so the far-talker gate (which keeps
        // reverberant, unmodulated voices out) would drop the middle of each burst: this test is
        // about pitch, so the gate is off.
        var engine = SignalEngine(configuration: .steadyTones, channelCount: 1, inputSampleRateHz: sampleRateHz, rejectsFarTalkers: false)
        engine.push(interleaved: samples)
        let summary = engine.finish()[0]
        let median = try! #require(summary.pitchMedianHz)
        #expect(abs(median - frequencyHz) / frequencyHz < 0.02, "median \(median) Hz for \(frequencyHz) Hz")
        #expect(summary.segments.count == 6)
    }
}
