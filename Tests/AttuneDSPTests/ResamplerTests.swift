import AttuneTestSupport
import Glibc
import Testing

@testable import AttuneDSP

@Suite struct ResamplerTests {
    static func resample(_ input: [Float], from rate: Int) -> [Float] {
        var resampler = PolyphaseResampler(inputRateHz: rate, outputRateHz: 8000)
        var output: [Float] = []
        var value: Float = 0
        for sample in input where resampler.push(sample, output: &value) { output.append(value) }
        while resampler.flush(output: &value) { output.append(value) }
        return output
    }

    static func sine(_ frequencyHz: Double, rate: Int, seconds: Double, amplitude: Double = 0.5) -> [Float] {
        (0..<Int(seconds * Double(rate))).map { Float(amplitude * sin(2 * Double.pi * frequencyHz * Double($0) / Double(rate))) }
    }

    static func rms(_ x: ArraySlice<Float>) -> Double {
        (x.reduce(0) { $0 + Double($1) * Double($1) } / Double(x.count)).squareRoot()
    }

    @Test(arguments: [11025, 16000, 22050, 32000, 44100, 48000])
    func passesTheTelephoneBandAtUnityGainAndKeepsTime(rate: Int) {
        for frequency in [300.0, 1000.0, 3000.0] {
            let output = Self.resample(Self.sine(frequency, rate: rate, seconds: 1), from: rate)
            #expect(output.count == 8000, "ceil(count · 8000 / rate) samples")
            let gainDb = 20 * log10(Self.rms(output[1000..<7000]) / (0.5 / 2.0.squareRoot()))
            #expect(abs(gainDb) < 0.2, "\(frequency) Hz from \(rate) Hz: gain \(gainDb) dB")
            // Zero phase: output sample j is the input at time j / 8000 s.
            for j in stride(from: 1000, to: 7000, by: 397) {
                let expected = 0.5 * sin(2 * Double.pi * frequency * Double(j) / 8000)
                #expect(abs(Double(output[j]) - expected) < 0.02)
            }
        }
    }

    @Test(arguments: [16000, 22050, 44100, 48000])
    func rejectsWhatWouldAliasIntoTheBand(rate: Int) {
        // 5 kHz would fold to 3 kHz at 8 kHz: it must be at least 40 dB down.
        let output = Self.resample(Self.sine(5000, rate: rate, seconds: 1), from: rate)
        let gainDb = 20 * log10(Self.rms(output[1000..<7000]) / (0.5 / 2.0.squareRoot()))
        #expect(gainDb < -40, "5 kHz from \(rate) Hz leaks at \(gainDb) dB")
    }

    @Test func refusesRatesItCannotResample() {
        #expect(!PolyphaseResampler.supports(inputRateHz: 6000, outputRateHz: 8000))
        #expect(!PolyphaseResampler.supports(inputRateHz: 44_099, outputRateHz: 8000))
        #expect(PolyphaseResampler.supports(inputRateHz: 96000, outputRateHz: 8000))
    }
}

