internal import Glibc

/// Tracks one channel's noise floor in each band by minimum statistics (after Martin 2001, simplified):
/// the noise is the minimum of the smoothed band power over the last few seconds, raised by a bias.
///
/// The window is split into 10 sub-windows; the minimum of each finished sub-window is kept, so
/// the floor follows a rising noise within one window length and a falling one at once.
/// Speech has dips between syllables and words, so its bands rarely hold a floor up for long.
struct NoiseFloorTracker: Sendable {
    static let subWindowCount = 10
    private let bandCount: Int
    private let subWindowFrames: Int
    private let biasFactor: Float
    private let minimumPower: Float
    /// Power smoothed over frames (mean-square units).
    private var smoothed: [Float]
    private var currentMinimum: [Float]
    /// Minimum over the finished sub-windows.
    private var pastMinimum: [Float]
    /// Finished sub-windows' minima, `subWindowCount` rows of `bandCount`.
    private var subWindowMinima: [Float]
    private var subWindowRow = 0
    private var framesInSubWindow = 0
    private var frameCount = 0
    /// Estimated noise power per band (mean-square units), valid after the first frame.
    private(set) var noise: [Float]
    /// The sum of `noise` over the bands: the noise power in the measured band.
    private(set) var totalPower: Float = 0

    init(bandCount: Int, configuration: VoiceActivityConfiguration) {
        self.bandCount = bandCount
        subWindowFrames = max(1, AnalysisGrid.frames(seconds: configuration.noiseFloorWindowSeconds) / Self.subWindowCount)
        biasFactor = Float(decibelsToPower(configuration.noiseFloorBiasDb))
        minimumPower = Float(decibelsToPower(configuration.noiseFloorMinimumDBFS))
        smoothed = [Float](repeating: 0, count: bandCount)
        currentMinimum = [Float](repeating: .infinity, count: bandCount)
        pastMinimum = [Float](repeating: .infinity, count: bandCount)
        subWindowMinima = [Float](repeating: .infinity, count: bandCount * Self.subWindowCount)
        noise = [Float](repeating: minimumPower, count: bandCount)
    }

    /// Feeds one frame's band powers and updates `noise`.
    mutating func update(bandPowers: [Float]) {
        let alpha: Float = frameCount == 0 ? 0 : 0.7
        frameCount += 1
        let (bias, floor) = (biasFactor, minimumPower)
        bandPowers.withUnsafeBufferPointer { power in
            smoothed.withUnsafeMutableBufferPointer { smoothed in
                currentMinimum.withUnsafeMutableBufferPointer { current in
                    pastMinimum.withUnsafeBufferPointer { past in
                        noise.withUnsafeMutableBufferPointer { noise in
                            var total: Float = 0
                            for b in 0..<power.count {
                                let s = alpha * smoothed[b] + (1 - alpha) * power[b]
                                smoothed[b] = s
                                current[b] = min(current[b], s)
                                noise[b] = max(min(current[b], past[b]) * bias, floor)
                                total += noise[b]
                            }
                            totalPower = total
                        }
                    }
                }
            }
        }
        framesInSubWindow += 1
        if framesInSubWindow == subWindowFrames { rotate() }
    }

    /// Closes the current sub-window: stores its minima, forgets the oldest sub-window.
    private mutating func rotate() {
        framesInSubWindow = 0
        let base = subWindowRow * bandCount
        for b in 0..<bandCount {
            subWindowMinima[base + b] = currentMinimum[b]
            currentMinimum[b] = .infinity
        }
        subWindowRow = (subWindowRow + 1) % Self.subWindowCount
        for b in 0..<bandCount {
            var lowest = Float.infinity
            for row in 0..<Self.subWindowCount { lowest = min(lowest, subWindowMinima[row * bandCount + b]) }
            pastMinimum[b] = lowest
        }
    }
}

/// 10^(dB/10).
func decibelsToPower(_ decibels: Double) -> Double {
    pow(10, decibels / 10)
}
