internal import Glibc

/// The frequency bands voice activity and levels are measured in: 16 mel-spaced bands from
/// 250 Hz to 3500 Hz (the telephone band and a margin), on the 512-point FFT's 15.625 Hz bins.
struct BandLayout: Sendable {
    /// Number of bands (`BandRow`'s lanes).
    static let bandCount = 16
    /// Lowest frequency measured (Hz).
    static let lowHz = 250.0
    /// Highest frequency measured (Hz).
    static let highHz = 3500.0
    /// Split between "low" and "high" for spectral tilt (Hz).
    static let tiltSplitHz = 1000.0

    /// First FFT bin of each band, plus one past the last bin of the last band (`bandCount + 1`).
    let binEdges: [Int]
    /// First bin at or above `tiltSplitHz`.
    let tiltSplitBin: Int

    init() {
        let binHz = Double(AnalysisGrid.sampleRateHz) / Double(AnalysisGrid.fftSize)
        func mel(_ hz: Double) -> Double { 2595 * log10(1 + hz / 700) }
        func hz(_ mel: Double) -> Double { 700 * (pow(10, mel / 2595) - 1) }
        let low = mel(Self.lowHz), high = mel(Self.highHz)
        var edges: [Int] = []
        for j in 0...Self.bandCount {
            let edgeHz = hz(low + (high - low) * Double(j) / Double(Self.bandCount))
            let bin = Int((edgeHz / binHz).rounded())
            edges.append(max(bin, (edges.last ?? bin - 2) + 2))  // at least two bins per band
        }
        binEdges = edges
        precondition(BandRow.scalarCount == Self.bandCount, "a band row is one value per band")
        precondition(edges.first == Self.firstMeasuredBin && edges.last == Self.endMeasuredBin, "measured bins out of step with the bands")
        tiltSplitBin = Int((Self.tiltSplitHz / binHz).rounded())
    }

    /// The bins the bands cover (250–3500 Hz), as literals for the vector loops of the detectors
    /// that scan the band the frame's `bandPower` sums (`MusicDetector`, `ToneDetector`): a computed
    /// constant would be read through a lazy global on every iteration. `init` checks they agree.
    static let firstMeasuredBin = 16
    static let endMeasuredBin = 224

    /// First bin measured.
    var firstBin: Int { binEdges[0] }
    /// One past the last bin measured.
    var endBin: Int { binEdges[Self.bandCount] }
}

/// One value per band, as one vector (`BandLayout.bandCount` lanes), for loops over whole rows
/// of band powers.
typealias BandRow = SIMD16<Float>
