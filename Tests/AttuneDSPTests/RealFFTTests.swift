import AttuneFFT
import Foundation
import Testing

/// The engine's two transforms (512-point forward, 256-point inverse) against the DFT computed
/// directly, on the plans the engine runs: those of the committed FFTW wisdom.
@Suite struct RealFFTTests {
    /// A seeded signal: a few partials and a little deterministic noise.
    static func signal(count: Int) -> [Float] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { n in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = Double(state >> 40) / Double(1 << 24) - 0.5
            let t = Double(n)
            return Float(0.5 * cos(0.21 * t) + 0.3 * sin(1.7 * t + 0.4) + 0.05 * noise)
        }
    }

    @Test func theCommittedWisdomIsAcceptedByThisFFTW() {
        // Fails after an FFTW upgrade: run Scripts/fftw/make-wisdom.sh (the engine then still
        // works, on FFTW_ESTIMATE's slower plans).
        #expect(RealFFT.usesCommittedWisdom)
    }

    @Test(arguments: [512, 256]) func forwardMatchesTheDirectDFT(size: Int) {
        let x = Self.signal(count: size)
        var input = FFTBuffer(count: size)
        input.withUnsafeMutableBufferPointer { for n in 0..<size { $0[n] = x[n] } }
        var output = FFTBuffer(count: size + 2)
        RealFFT(size: size).forward(&input, into: &output)
        var worst = 0.0
        for k in 0...(size / 2) {
            var re = 0.0, im = 0.0
            for n in 0..<size {
                let angle = -2 * Double.pi * Double(k * n % size) / Double(size)
                re += Double(x[n]) * cos(angle)
                im += Double(x[n]) * sin(angle)
            }
            worst = max(worst, abs(Double(output[2 * k]) - re), abs(Double(output[2 * k + 1]) - im))
        }
        #expect(worst < 1e-3, "largest difference from the direct DFT: \(worst)")
    }

    @Test(arguments: [256, 512]) func inverseUndoesForward(size: Int) {
        let x = Self.signal(count: size)
        var input = FFTBuffer(count: size)
        input.withUnsafeMutableBufferPointer { for n in 0..<size { $0[n] = x[n] } }
        var spectrum = FFTBuffer(count: size + 2)
        var back = FFTBuffer(count: size)
        let fft = RealFFT(size: size)
        fft.forward(&input, into: &spectrum)
        fft.inverse(&spectrum, into: &back)
        var worst: Float = 0
        for n in 0..<size { worst = max(worst, abs(back[n] / Float(size) - x[n])) }
        #expect(worst < 1e-5, "largest round-trip error: \(worst)")
    }
}
