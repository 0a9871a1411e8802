public import AttuneDSP
internal import Glibc

/// Deterministic test signals: seeded noise, harmonic tones, silence. Truth comes from construction.
public struct SignalGenerator {
    private var state: UInt64

    /// - Parameter seed: any value; the same seed gives the same samples on every machine.
    public init(seed: UInt64) { state = seed }

    /// SplitMix64: the next 64 random bits.
    public mutating func nextBits() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func nextUniform() -> Double { Double(nextBits() >> 11) / Double(1 << 53) }

    /// Uniform in [`low`, `high`).
    public mutating func nextUniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * nextUniform() }

    /// An integer in `range` (by remainder: its bias is far below anything a test could notice).
    public mutating func next(in range: Range<Int>) -> Int { range.lowerBound + Int(nextBits() % UInt64(range.count)) }

    /// One of `values`.
    public mutating func pick<T>(_ values: [T]) -> T { values[next(in: 0..<values.count)] }

    /// Standard normal (Box–Muller).
    public mutating func nextGaussian() -> Double {
        let u1 = max(nextUniform(), 1e-300), u2 = nextUniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// White Gaussian noise with RMS `rms`.
    public mutating func noise(count: Int, rms: Double) -> [Float] {
        (0..<count).map { _ in Float(nextGaussian() * rms) }
    }

    /// A harmonic tone of fundamental `frequencyHz` with `harmonics` partials of amplitude 1/k
    /// (a sawtooth-like glottal spectrum), below Nyquist, scaled to peak `amplitude`.
    public static func harmonicTone(frequencyHz: Double, sampleRateHz: Int, seconds: Double, harmonics: Int = 20, amplitude: Double = 0.3) -> [Float] {
        let count = Int(seconds * Double(sampleRateHz))
        let nyquist = Double(sampleRateHz) / 2
        let partials = (1...harmonics).filter { Double($0) * frequencyHz < nyquist * 0.95 }
        var samples = [Double](repeating: 0, count: count)
        for k in partials {
            let omega = 2 * Double.pi * frequencyHz * Double(k) / Double(sampleRateHz)
            for n in 0..<count { samples[n] += sin(omega * Double(n)) / Double(k) }
        }
        let peak = samples.map(abs).max() ?? 1
        return samples.map { Float($0 / peak * amplitude) }
    }

    /// A vowel-like tone: harmonics of `frequencyHz` (1/k) shaped by formant resonances
    /// (Hz, bandwidth 80 Hz), so one harmonic near F1 dominates, as in real vowels; harmonics
    /// below `lowestHz` left out (300 Hz: a telephone line, which removes the fundamental of
    /// most voices); scaled to peak `amplitude`. Pitch trackers that prefer short lags pick a
    /// harmonic here.
    public static func vowel(
        frequencyHz: Double, formantsHz: [Double] = [500, 1500, 2500], lowestHz: Double = 0, sampleRateHz: Int, seconds: Double,
        amplitude: Double = 0.3
    ) -> [Float] {
        let count = Int(seconds * Double(sampleRateHz))
        let nyquist = Double(sampleRateHz) / 2
        var samples = [Double](repeating: 0, count: count)
        var k = 1
        while Double(k) * frequencyHz < nyquist * 0.95 {
            let f = Double(k) * frequencyHz
            if f < lowestHz { k += 1; continue }
            // Sum of resonance magnitudes (second-order peaks of 80 Hz bandwidth).
            let gain = formantsHz.reduce(0.0) { total, formant in
                total + 1 / (1 + pow((f - formant) / 40, 2)).squareRoot()
            }
            let omega = 2 * Double.pi * f / Double(sampleRateHz)
            for n in 0..<count { samples[n] += gain / Double(k) * sin(omega * Double(n)) }
            k += 1
        }
        let peak = samples.map(abs).max() ?? 1
        return samples.map { Float($0 / peak * amplitude) }
    }

    /// Interleaves equal-length channels.
    public static func interleave(_ channels: [[Float]]) -> [Float] {
        let count = channels.map(\.count).min() ?? 0
        var out = [Float]()
        out.reserveCapacity(count * channels.count)
        for i in 0..<count { for channel in channels { out.append(channel[i]) } }
        return out
    }
}

extension AnalysisConfiguration {
    /// The defaults with hold detection off, for steady synthetic tones: a harmonic tone that holds
    /// its pitch for a second is music to `MusicDetector` (no voice does that), so tests of pitch,
    /// crosstalk and turns on such tones leave holds out.
    public static var steadyTones: AnalysisConfiguration {
        var configuration = AnalysisConfiguration.default
        configuration.holds.detectsHolds = 0
        return configuration
    }
}
