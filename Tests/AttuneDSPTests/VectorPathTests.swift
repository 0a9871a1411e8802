import AttuneFFT
import AttuneTestSupport
import Glibc
import Testing

@testable import AttuneDSP

/// The engine's vector shortcuts against the plain definitions they replace: each must give the
/// same bits, on inputs chosen to reach their edges (ties, empty ranges, buffer ends, ±0).
@Suite struct VectorPathTests {
    // MARK: - Tone detector scans

    /// The definition `strongestBin` replaced: bin by bin, skipping each lobe at its low edge.
    static func strongestBinByBin(_ power: [Float], in band: Range<Int>, outside a: ClosedRange<Int>, and b: ClosedRange<Int>?) -> Int {
        var best = -1, bestPower: Float = -1, k = band.lowerBound
        while k < band.upperBound {
            if k == a.lowerBound { k = a.upperBound + 1; continue }
            if let b, k == b.lowerBound { k = b.upperBound + 1; continue }
            if power[k] > bestPower { (best, bestPower) = (k, power[k]) }
            k += 1
        }
        return best
    }

    /// 20,000 spectra of few distinct levels (so ties are common) and zeros, with one or two lobes
    /// anywhere in the band: at its edges, side by side, in either order, covering all of it.
    @Test func strongestBinIsTheFirstStrongestOutsideTheLobes() {
        var random = SignalGenerator(seed: 11)
        let band = BandLayout.firstMeasuredBin..<BandLayout.endMeasuredBin
        var ties = 0, none = 0
        for _ in 0..<20_000 {
            let levels = [Float(0), 0.25, 1, 3.5, 1e-9]
            let power = (0..<257).map { _ in levels[random.next(in: 0..<(random.next(in: 0..<2) == 0 ? 2 : levels.count))] }
            // Lobes of up to 12 bins (a quarter of cases up to the whole band).
            let reach = random.next(in: 0..<4) == 0 ? band.count : 12
            let aLow = band.lowerBound + random.next(in: 0..<band.count)
            let a = aLow...min(band.upperBound - 1, aLow + random.next(in: 0..<reach))
            var b: ClosedRange<Int>?
            if random.next(in: 0..<3) > 0 {
                let below = a.lowerBound - band.lowerBound, above = band.upperBound - 1 - a.upperBound
                if random.next(in: 0..<2) == 0, below > 0 {
                    let high = a.lowerBound - 1 - random.next(in: 0..<min(below, 3))
                    b = max(band.lowerBound, high - random.next(in: 0..<reach))...high
                } else if above > 0 {
                    let low = a.upperBound + 1 + random.next(in: 0..<min(above, 3))
                    b = low...min(band.upperBound - 1, low + random.next(in: 0..<reach))
                }
            }
            let expected = Self.strongestBinByBin(power, in: band, outside: a, and: b)
            let got = power.withUnsafeBufferPointer { ToneDetector.strongestBin($0, in: band, outside: a, and: b) }
            #expect(got == expected, "lobes \(a), \(String(describing: b))")
            if expected < 0 { none += 1 } else if power[band].filter({ $0 == power[expected] }).count > 1 { ties += 1 }
        }
        // The cases that matter occurred.
        #expect(ties > 1_000 && none > 0)
    }

    /// The eight-at-a-time maximum is the largest value of every range of a 48-bin buffer (0 for
    /// an empty one), wherever the largest lies.
    @Test func rangeMaximumIsTheLargestValue() {
        var random = SignalGenerator(seed: 12)
        for _ in 0..<50 {
            let power = (0..<48).map { _ in Float(random.next(in: 0..<1000)) / 7 }
            power.withUnsafeBufferPointer { buffer in
                for low in 0...48 {
                    for high in low...48 {
                        #expect(ToneDetector.maximum(buffer, low..<high) == (power[low..<high].max() ?? 0))
                    }
                }
            }
        }
    }

    // MARK: - Pitch peak heights

    /// The definition `peakHeights` replaced: lag by lag.
    static func peakHeightsOneByOne(_ n: [Float], _ lags: ClosedRange<Int>, into heights: inout [Float]) -> Float {
        var best: Float = 0
        for lag in lags {
            let current = n[lag], before = n[lag - 1], after = n[lag + 1]
            let margin = min(min(current - before, current - after + .leastNormalMagnitude), current)
            let curvature = min(before - 2 * current + after, -1e-9)
            let height = min(current - 0.125 * (before - after) * (before - after) / curvature, 1)
            heights[lag] = margin > 0 ? height : 0
            best = max(best, heights[lag])
        }
        return best
    }

    /// Normalised autocorrelations with plateaus, flat runs, negative values and peaks above 1,
    /// over every lag range of 1 to 70 lags: the same heights and the same best, bit for bit.
    @Test func peakHeightsAreTheLagByLagOnes() {
        var random = SignalGenerator(seed: 14)
        var peaks = 0
        for trial in 0..<400 {
            let levels: [Float] = [-0.3, 0, 0.2, 0.5, 0.5, 0.9, 1, 1.3]
            let n = (0..<80).map { _ in random.next(in: 0..<3) == 0 ? levels[random.next(in: 0..<levels.count)] : Float(random.next(in: 0..<2_000)) / 1_000 - 0.5 }
            let low = 1 + random.next(in: 0..<8), high = min(78, low + trial % 70)
            var expected = [Float](repeating: -7, count: 80), got = expected
            let expectedBest = Self.peakHeightsOneByOne(n, low...high, into: &expected)
            let gotBest = n.withUnsafeBufferPointer { n in
                got.withUnsafeMutableBufferPointer { PitchEstimator.peakHeights(n, low...high, into: $0) }
            }
            #expect(gotBest.bitPattern == expectedBest.bitPattern && got.map(\.bitPattern) == expected.map(\.bitPattern), "lags \(low)...\(high)")
            peaks += expected[low...high].filter { $0 > 0 }.count
        }
        #expect(peaks > 1_000)
    }

    // MARK: - Digital silence

    /// Zeros of either sign are silence; anything else anywhere (the smallest subnormal, NaN,
    /// infinity, a full-scale sample) is not, wherever the framer's ring splits the window.
    @Test func digitalSilenceIsEveryMagnitudeZero() {
        func isSilent(_ window: [Float], split: Int) -> Bool {
            window.withUnsafeBufferPointer { FrameWindow(older: UnsafeBufferPointer(rebasing: $0[..<split]), newer: UnsafeBufferPointer(rebasing: $0[split...])).isDigitalSilence }
        }
        let splits = [0, 8, 24, 120, 136, 248, AnalysisGrid.windowSamples]
        var window = [Float](repeating: 0, count: AnalysisGrid.windowSamples)
        #expect(splits.allSatisfy { isSilent(window, split: $0) })
        for i in stride(from: 0, to: window.count, by: 3) { window[i] = -0.0 }
        #expect(splits.allSatisfy { isSilent(window, split: $0) })
        for value in [Float.leastNonzeroMagnitude, -Float.leastNonzeroMagnitude, 1, -1e-30, .nan, -.infinity] {
            for position in 0..<window.count {
                var sound = window
                sound[position] = value
                for split in splits { #expect(!isSilent(sound, split: split), "\(value) at \(position), split at \(split)") }
            }
        }
    }

    /// A silent window, after one with sound, leaves exactly what the transform gives for it: a
    /// power spectrum of +0 in every bin, bands of +0, no level.
    @Test func silentWindowGivesTheTransformsZeroSpectrum() {
        let n = AnalysisGrid.windowSamples
        let tone = (0..<n).map { Float(0.3 * sin(2 * Double.pi * 440 * Double($0) / 8000)) }
        let silence = (0..<n).map { $0 % 2 == 0 ? Float(0) : -0.0 }
        var analyzer = SpectrumAnalyzer()
        var bands = [Float](repeating: 0, count: BandLayout.bandCount)
        var scratch = FrameScratch()
        let loud = tone.withUnsafeBufferPointer { analyzer.analyze(FrameWindow(whole: $0), bands: &bands, scratch: &scratch, channel: 1) }
        #expect(loud.bandPower > 0 && scratch.powerSpectrum(channel: 1).contains { $0 > 0 })
        let quiet = silence.withUnsafeBufferPointer { analyzer.analyze(FrameWindow(whole: $0), bands: &bands, scratch: &scratch, channel: 1) }
        // The transform itself, on the same (windowed, zero-padded) input.
        var input = FFTBuffer(count: AnalysisGrid.fftSize), output = FFTBuffer(count: AnalysisGrid.fftSize + 2)
        input.withUnsafeMutableBufferPointer { input in
            analyzer.hannWindow.withUnsafeBufferPointer { w in for i in 0..<n { input[i] = silence[i] * w[i] } }
        }
        RealFFT(size: AnalysisGrid.fftSize).forward(&input, into: &output)
        let transformed: [Float] = output.withUnsafeBufferPointer { spectrum in
            (0...(AnalysisGrid.fftSize / 2)).map { (k: Int) -> Float in
                let re = spectrum[2 * k], im = spectrum[2 * k + 1]
                return re * re + im * im
            }
        }
        #expect(scratch.powerSpectrum(channel: 1).map(\.bitPattern) == transformed.map(\.bitPattern))
        #expect(scratch.powerSpectrum(channel: 1).allSatisfy { $0.bitPattern == 0 })
        #expect(bands.allSatisfy { $0.bitPattern == 0 })
        #expect(quiet.bandPower.bitPattern == 0 && quiet.levelDBFS == -120)
    }

    // MARK: - Framing

    /// Frame k's window is the 256 samples from k·80 − 88 (the stream is zero before its start),
    /// whichever path stored them.
    @Test func eachWindowIsTheSignalAroundItsHop() {
        let total = 2_000
        let signal = (0..<total).map { Float($0 + 1) }
        func reference(_ frame: Int) -> [Float] {
            let start = frame * AnalysisGrid.hopSamples - FrameAssembler.windowLeadSamples
            return (start..<(start + AnalysisGrid.windowSamples)).map { $0 < 0 ? 0 : signal[$0] }
        }
        var single = FrameAssembler()
        var frame = 0
        for sample in signal where single.append(sample) {
            #expect(single.currentWindow == reference(frame), "frame \(frame), one by one")
            single.advance()
            frame += 1
        }
        #expect(frame == (total - 256 + 88) / 80 + 1)
        var runs = FrameAssembler()
        frame = 0
        signal.withUnsafeBufferPointer { source in
            var used = 0
            while used < total {
                let run = min(total - used, runs.samplesUntilNextFrame, 37)
                let completes = runs.append(from: source, start: used, stride: 1, count: run)
                used += run
                if completes {
                    #expect(runs.currentWindow == reference(frame), "frame \(frame), in runs")
                    runs.advance()
                    frame += 1
                }
            }
        }
        #expect(frame == (total - 256 + 88) / 80 + 1)
    }

    /// Stereo chunks of every length from 1 to 300 sample frames, cut anywhere, stored through the
    /// interleaved path: each channel's windows are those of storing its samples one by one.
    @Test func interleavedRunsFrameAsSampleBySample() {
        var random = SignalGenerator(seed: 13)
        let total = 8_000
        let stereo = (0..<(2 * total)).map { _ in Float(Int(random.next(in: 0..<65_536)) - 32_768) / 32_768 }
        for channel in 0..<2 {
            var expected: [[Float]] = []
            var single = FrameAssembler()
            for i in 0..<total where single.append(stereo[2 * i + channel]) {
                expected.append(single.currentWindow)
                single.advance()
            }
            var windows: [[Float]] = []
            var runs = FrameAssembler()
            var done = 0
            while done < total {
                // A chunk of its own buffer (so its last values are the buffer's end).
                let chunk = Array(stereo[(2 * done)..<(2 * min(total, done + 1 + random.next(in: 0..<300)))])
                let frames = chunk.count / 2
                var used = 0
                chunk.withUnsafeBufferPointer { source in
                    while used < frames {
                        let run = min(frames - used, runs.samplesUntilNextFrame)
                        if runs.append(from: source, start: 2 * used + channel, stride: 2, count: run) {
                            windows.append(runs.currentWindow)
                            runs.advance()
                        }
                        used += run
                    }
                }
                done += frames
            }
            #expect(windows.count == expected.count && windows.count > 90)
            #expect(windows.map { $0.map(\.bitPattern) } == expected.map { $0.map(\.bitPattern) }, "channel \(channel)")
        }
    }
}

extension FrameAssembler {
    /// The current frame's window, oldest sample first, as an array.
    var currentWindow: [Float] {
        withCurrentWindow { window in (0..<AnalysisGrid.windowSamples).map { window[$0] } }
    }
}

extension FrameScratch {
    /// Channel `channel`'s power spectrum as the spectrum step left it.
    func powerSpectrum(channel: Int) -> [Float] {
        Array(powerSpectra[FrameScratch.spectrumRange(of: channel)])
    }
}

extension FrameWindow {
    /// A window held in one run.
    init(whole samples: UnsafeBufferPointer<Float>) {
        self.init(older: samples, newer: UnsafeBufferPointer(rebasing: samples[samples.count...]))
    }
}
