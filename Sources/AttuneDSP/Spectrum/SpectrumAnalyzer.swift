import AttuneFFT
internal import Glibc

/// What one frame's spectrum says about one channel.
struct SpectralFeatures: Sendable {
    /// Mean-square level in the measured band (250–3500 Hz), linear (full-scale sine ≈ 0.5).
    var bandPower: Float = 0
    /// `bandPower` in dBFS (RMS; a full-scale sine reads −3 dBFS).
    var levelDBFS: Float = -120
    /// Power-weighted mean frequency over the measured band (Hz); set only on frames that may be speech.
    var centroidHz: Float = 0
    /// Energy below 1 kHz over energy above it, in dB (higher = darker voice); set only on frames
    /// that may be speech.
    var tiltDb: Float = 0
}

/// Windows a frame, transforms it and reduces its power spectrum to bands and shape features.
///
/// Holds the FFT; `analyze` leaves the frame's power spectrum in the work buffers
/// (`FrameScratch.powerSpectra`, the channel's slot) for the pitch estimator and
/// `addShape(to:powerSpectrum:)`. No allocation per frame.
/// - Complexity: one 512-point real FFT plus O(bins) per frame.
struct SpectrumAnalyzer: Sendable {
    /// The bands (one layout for all: its bin edges' storage is shared by every analyzer).
    let layout = sharedLayout
    private static let sharedLayout = BandLayout()
    private let fft = RealFFT(size: AnalysisGrid.fftSize)
    /// The Hann window. Its storage is shared by every analyzer (one grid for all; a live server
    /// holds thousands of channels); each keeps a reference, so the per-frame path reads no global.
    static let sharedWindow: [Float] = {
        let n = AnalysisGrid.windowSamples
        return (0..<n).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(n))) }
    }()
    /// Scale from |X_k|² to mean-square units: 2 / (N · Σw²).
    private static let sharedPowerScale: Float = {
        let energy = sharedWindow.reduce(0) { $0 + Double($1 * $1) }
        return Float(2 / (Double(AnalysisGrid.fftSize) * energy))
    }()
    private let window = sharedWindow
    private let powerScale = sharedPowerScale
    /// Bins of a power spectrum: |X_k|², k = 0…256.
    static let binCount = AnalysisGrid.fftSize / 2 + 1

    /// Centre frequency of each bin (Hz); storage shared like the window's.
    private static let sharedBinFrequencyHz: [Float] = {
        let binHz = Float(AnalysisGrid.sampleRateHz) / Float(AnalysisGrid.fftSize)
        return (0...(AnalysisGrid.fftSize / 2)).map { Float($0) * binHz }
    }()
    private let binFrequencyHz = sharedBinFrequencyHz

    init() {}

    /// The Hann window (256 samples).
    var hannWindow: [Float] { window }

    /// Analyses one frame's window; writes band powers (mean-square units) into `bands`.
    mutating func analyze(_ samples: FrameWindow, bands: inout [Float], scratch: inout FrameScratch, channel: Int) -> SpectralFeatures {
        let range = FrameScratch.spectrumRange(of: channel)
        // Digital silence (a muted leg, a recorder's gap, a channel before its party joins) has a
        // zero spectrum: written without the transform, exactly what the transform would give.
        if samples.isDigitalSilence {
            scratch.powerSpectra.withUnsafeMutableBufferPointer { UnsafeMutableBufferPointer(rebasing: $0[range]).update(repeating: 0) }
            bands.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            return SpectralFeatures(bandPower: 0, levelDBFS: decibels(0))
        }
        scratch.fftInput.withUnsafeMutableBufferPointer { input in
            window.withUnsafeBufferPointer { w in
                // Sixteen samples at a time, after eight where a run's length is an odd number of
                // eights (each of the ring's two runs is a whole number of eight).
                let stride = MemoryLayout<Float>.stride
                let out = UnsafeMutableRawPointer(input.baseAddress!), taper = UnsafeRawPointer(w.baseAddress!)
                func multiply(_ run: UnsafeBufferPointer<Float>, from at: Int) {
                    guard let start = run.baseAddress else { return }
                    let source = UnsafeRawPointer(start), target = out + at * stride, weights = taper + at * stride
                    var i = 0
                    if run.count % 16 != 0 {
                        let product = source.loadUnaligned(as: SIMD8<Float>.self) * weights.loadUnaligned(as: SIMD8<Float>.self)
                        target.storeBytes(of: product, as: SIMD8<Float>.self)
                        i = 8
                    }
                    while i < run.count {
                        let product = source.loadUnaligned(fromByteOffset: i * stride, as: SIMD16<Float>.self)
                            * weights.loadUnaligned(fromByteOffset: i * stride, as: SIMD16<Float>.self)
                        target.storeBytes(of: product, toByteOffset: i * stride, as: SIMD16<Float>.self)
                        i += 16
                    }
                }
                multiply(samples.older, from: 0)
                multiply(samples.newer, from: samples.older.count)
            }
            // input[n..<fftSize] stays zero: the padding for a linear autocorrelation.
        }
        fft.forward(&scratch.fftInput, into: &scratch.fftOutput)
        let scale = powerScale
        scratch.fftOutput.withUnsafeBufferPointer { spectrum in
            scratch.powerSpectra.withUnsafeMutableBufferPointer { spectra in
                let power = spectra.baseAddress! + range.lowerBound
                for k in 0..<Self.binCount {
                    let re = spectrum[2 * k], im = spectrum[2 * k + 1]
                    power[k] = (re * re + im * im) * scale
                }
            }
        }
        // (Sums are locals of the closures that make them, returned: a captured `var` would be
        // read and written through memory at every step.)
        let total = scratch.powerSpectra.withUnsafeBufferPointer { spectra in
            let power = UnsafeBufferPointer(rebasing: spectra[range])
            return layout.binEdges.withUnsafeBufferPointer { edges in
                bands.withUnsafeMutableBufferPointer { bandPower in
                    var total: Float = 0
                    for b in 0..<BandLayout.bandCount {
                        var sum: Float = 0
                        for k in edges[b]..<edges[b + 1] { sum += power[k] }
                        bandPower[b] = sum
                        total += sum
                    }
                    return total
                }
            }
        }
        return SpectralFeatures(bandPower: total, levelDBFS: decibels(total))
    }

    /// Adds the spectral shape (centroid and tilt) of a frame to `features`, from its power
    /// spectrum (`binCount` bins). Only frames that may be speech need it.
    func addShape(to features: inout SpectralFeatures, powerSpectrum power: UnsafeBufferPointer<Float>) {
        precondition(power.count == Self.binCount, "one spectrum")
        // Eight partial sums each (one serial chain of 208 additions waited on every addition),
        // then the tail one by one.
        let (weighted, low) = binFrequencyHz.withUnsafeBufferPointer { frequency in
            let p = UnsafeRawPointer(power.baseAddress!), f = UnsafeRawPointer(frequency.baseAddress!)
            let stride = MemoryLayout<Float>.stride
            func load(_ base: UnsafeRawPointer, _ k: Int) -> SIMD8<Float> {
                base.loadUnaligned(fromByteOffset: k * stride, as: SIMD8<Float>.self)
            }
            var weightedLanes = SIMD8<Float>(), lowLanes = SIMD8<Float>()
            var k = layout.firstBin
            while k + 8 <= layout.endBin {
                weightedLanes += load(p, k) * load(f, k)
                k += 8
            }
            var weighted = weightedLanes.sum()
            while k < layout.endBin { weighted += power[k] * frequency[k]; k += 1 }
            k = layout.firstBin
            while k + 8 <= layout.tiltSplitBin {
                lowLanes += load(p, k)
                k += 8
            }
            var low = lowLanes.sum()
            while k < layout.tiltSplitBin { low += power[k]; k += 1 }
            return (weighted, low)
        }
        let total = features.bandPower
        features.centroidHz = total > 0 ? weighted / total : 0
        features.tiltDb = decibels(low) - decibels(total - low)
    }
}

extension SpectrumAnalyzer {
    /// Spectral flatness of `bands` (this frame's band powers) in dB (≤ 0; 0 = white noise): the
    /// geometric over the arithmetic mean of each band's power per FFT bin, so the mel bands'
    /// different widths do not count as shape. 16 logarithms: cheap enough for every speech frame.
    func bandFlatnessDb(bands: [Float]) -> Float {
        var logSum: Float = 0, densitySum: Float = 0
        bands.withUnsafeBufferPointer { bands in
            layout.binEdges.withUnsafeBufferPointer { edges in
                for b in 0..<BandLayout.bandCount {
                    let density = bands[b] / Float(edges[b + 1] - edges[b])
                    logSum += decibels(density)
                    densitySum += density
                }
            }
        }
        guard densitySum > 0 else { return 0 }
        return min(logSum / Float(BandLayout.bandCount) - decibels(densitySum / Float(BandLayout.bandCount)), 0)
    }
}

/// 10·log10 of a power (to within 0.001 dB), floored at −120 dB.
@inline(__always)
func decibels(_ power: Float) -> Float {
    power > 1e-12 ? fastDecibels(power) : -120
}
