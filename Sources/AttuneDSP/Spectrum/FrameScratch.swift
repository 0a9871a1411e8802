import AttuneFFT

/// FFT work buffers of one frame's spectrum and pitch estimate (about 9 KiB). Each is filled and
/// read within a single call, so all channels of an engine share one set, and a live server,
/// which holds thousands of engines, lends each push a set from a few (`FrameScratchPool`)
/// instead of keeping one per call: `SignalEngine.push(interleaved:scratch:)`.
public struct FrameScratch: Sendable {
    /// Each channel's power spectrum (`SpectrumAnalyzer.binCount` bins at `spectrumRange(of:)`),
    /// written by its spectrum step and read by its decision step of the same frame.
    var powerSpectra = [Float](repeating: 0, count: SignalEngine.maximumChannelCount * spectrumSlotFloats)
    /// Floats from one channel's spectrum to the next: the bins rounded up to a 64-byte multiple, so
    /// both start at the same place in a cache line (vector loads split no more lines than the first's).
    static let spectrumSlotFloats = (SpectrumAnalyzer.binCount + 15) / 16 * 16

    /// Where channel `channel`'s spectrum lies in `powerSpectra`.
    @inline(__always) static func spectrumRange(of channel: Int) -> Range<Int> {
        let start = channel * spectrumSlotFloats
        return start..<(start + SpectrumAnalyzer.binCount)
    }
    /// Windowed frame, zero-padded to the FFT size (the padding is never written).
    var fftInput = FFTBuffer(count: AnalysisGrid.fftSize)
    var fftOutput = FFTBuffer(count: AnalysisGrid.fftSize + 2)
    /// The pitch estimator's band-limited power spectrum and its inverse (the autocorrelation).
    var pitchSpectrum = FFTBuffer(count: PitchEstimator.inverseSize + 2)
    var autocorrelation = FFTBuffer(count: PitchEstimator.inverseSize)
    /// The pitch estimator's normalised autocorrelation and peak heights per lag (written before
    /// read in each estimate, so the channels share them too).
    var pitchNormalised = [Float](repeating: 0, count: PitchEstimator.scratchCount)
    var pitchHeights = [Float](repeating: 0, count: PitchEstimator.scratchCount)

    /// A set of zeroed buffers.
    public init() {}
}
