internal import Glibc

/// Converts a stream from an input rate down to the analysis rate with a Kaiser-windowed sinc
/// low-pass, one sample at a time, so the output does not depend on how the input is chunked.
///
/// Output sample `j` sits at exactly `j / outputRateHz` seconds: the filter is symmetric (zero
/// phase) and the stream is treated as zero before its first sample. `flush` feeds the filter's
/// look-ahead zeros at the end.
///
/// Passband flat to about 3.3 kHz, −6 dB at 3.7 kHz, ≥ 50 dB down from 4.1 kHz, so the telephone
/// band (300–3400 Hz) passes and nothing aliases into it.
public struct PolyphaseResampler: Sendable {
    /// Upsampling factor L of the rational ratio L/M = output/input.
    public let upFactor: Int
    /// Downsampling factor M.
    public let downFactor: Int
    private let kernel: ResamplerKernel
    /// Last `tapCount` inputs, stored twice (at `i` and `i + tapCount`) so any window is contiguous.
    private var history: [Float]
    private var historyPosition = 0
    /// Inputs received so far.
    private var inputCount = 0
    /// Inputs plus flush padding stored so far.
    private var storedCount = 0
    /// Index of the next output sample.
    private var outputIndex = 0

    /// The largest upsampling factor accepted (22.05 kHz needs 160, 44.1 kHz 80, 11.025 kHz 320).
    public static let maximumUpFactor = 640

    /// The largest filter bank built (coefficients; 4 bytes each, and the prototype it is cut from
    /// takes twice that while it is built). Every rate in `AudioLimits.sampleRatesHz` in a simple
    /// ratio to 8 kHz needs at most 352,500; this cap keeps the bound whatever the limits become.
    public static let maximumCoefficientCount = 1 << 20

    /// Whether `inputRateHz` can be resampled to `outputRateHz`: both within
    /// `AudioLimits.sampleRatesHz`, a downsampling ratio with a small enough numerator, and a filter
    /// within `maximumCoefficientCount`. Decided by arithmetic alone: nothing is allocated.
    public static func supports(inputRateHz: Int, outputRateHz: Int) -> Bool {
        coefficientCount(inputRateHz: inputRateHz, outputRateHz: outputRateHz).map { $0 <= maximumCoefficientCount } ?? false
    }

    /// Coefficients in the filter bank for this conversion, computed without building it; nil when
    /// the rates are outside `AudioLimits.sampleRatesHz`, not a downsampling, or the ratio's
    /// numerator exceeds `maximumUpFactor`.
    public static func coefficientCount(inputRateHz: Int, outputRateHz: Int) -> Int? {
        guard AudioLimits.sampleRatesHz.contains(inputRateHz), AudioLimits.sampleRatesHz.contains(outputRateHz),
            inputRateHz >= outputRateHz
        else { return nil }
        let upFactor = outputRateHz / gcd(inputRateHz, outputRateHz)
        guard upFactor <= maximumUpFactor else { return nil }
        return upFactor * ResamplerKernel.Design(inputRateHz: inputRateHz, upFactor: upFactor).tapCount
    }

    /// - Precondition: `supports(inputRateHz:outputRateHz:)`.
    public init(inputRateHz: Int, outputRateHz: Int) {
        precondition(Self.supports(inputRateHz: inputRateHz, outputRateHz: outputRateHz))
        let divisor = gcd(inputRateHz, outputRateHz)
        upFactor = outputRateHz / divisor
        downFactor = inputRateHz / divisor
        kernel = ResamplerKernel(inputRateHz: inputRateHz, upFactor: upFactor)
        history = [Float](repeating: 0, count: 2 * kernel.tapCount)
    }

    /// Appends one input sample and writes at most one output sample (this is a downsampler).
    /// - Returns: whether `output` was written.
    public mutating func push(_ sample: Float, output: inout Float) -> Bool {
        store(sample)
        inputCount += 1
        return produce(&output)
    }

    /// After the last input, produces the remaining outputs (the filter's look-ahead is fed
    /// zeros), up to `outputCount(forInputCount:)` in all. Call until it returns false.
    public mutating func flush(output: inout Float) -> Bool {
        let total = outputCount(forInputCount: inputCount)
        while outputIndex < total {
            if produce(&output) { return true }
            store(0)
        }
        return false
    }

    /// Output samples for `count` inputs: ceil(count · L / M).
    public func outputCount(forInputCount count: Int) -> Int {
        (count * upFactor + downFactor - 1) / downFactor
    }

    /// Inputs received so far (excluding flush padding).
    public var inputSampleCount: Int { inputCount }

    mutating func store(_ sample: Float) {
        let taps = kernel.tapCount
        history.withUnsafeMutableBufferPointer { buffer in
            buffer[historyPosition] = sample
            buffer[historyPosition + taps] = sample
        }
        historyPosition += 1
        if historyPosition == taps { historyPosition = 0 }
        storedCount += 1
    }

    /// Computes output `outputIndex` once the newest input it needs has been stored. Because this
    /// downsamples, that input is always the newest stored one when the output becomes ready.

    mutating func produce(_ output: inout Float) -> Bool {
        // Output j is at upsampled position u = j·M; with the prototype centred at c it needs inputs
        // up to n = (u + c) / L, weighted by the filter's phase (u + c) mod L.
        let position = outputIndex * downFactor + kernel.centre
        let newestNeeded = position / upFactor
        guard newestNeeded < storedCount else { return false }
        let phase = position - newestNeeded * upFactor
        let taps = kernel.tapCount
        var sum: Float = 0
        kernel.coefficients.withUnsafeBufferPointer { coefficients in
            history.withUnsafeBufferPointer { stored in
                let newest = historyPosition - 1 + taps  // mirrored copy keeps newest - m ≥ 0
                let row = phase * taps
                for m in 0..<taps {
                    sum += coefficients[row + m] * stored[newest - m]
                }
            }
        }
        output = sum
        outputIndex += 1
        return true
    }
}

/// The polyphase filter bank: `upFactor` rows of `tapCount` coefficients, shared by copies.
final class ResamplerKernel: Sendable {
    /// Coefficients per phase.
    let tapCount: Int
    /// Centre of the prototype filter (upsampled samples).
    let centre: Int
    /// Row `phase`, column `m` multiplies the input `m` samples before the newest needed one.
    let coefficients: [Float]

    /// The filter's dimensions, from arithmetic alone.
    struct Design {
        static let cutoffHz = 3700.0
        static let transitionHz = 800.0
        static let attenuationDb = 50.0
        /// Half the prototype's length (upsampled samples): its centre.
        let half: Int
        /// Coefficients per phase.
        let tapCount: Int

        init(inputRateHz: Int, upFactor: Int) {
            // Kaiser's estimate of the length at the input rate, then scaled to the upsampled rate.
            let inputTaps = Int(((Self.attenuationDb - 7.95) / (2.285 * 2 * Double.pi * Self.transitionHz / Double(inputRateHz))).rounded(.up)) + 1
            half = (inputTaps * upFactor) / 2
            tapCount = (2 * half + 1) / upFactor + 1
        }
    }

    init(inputRateHz: Int, upFactor: Int) {
        let design = Design(inputRateHz: inputRateHz, upFactor: upFactor)
        let cutoffHz = Design.cutoffHz
        let beta = 0.1102 * (Design.attenuationDb - 8.7)
        let half = design.half
        centre = half
        let prototypeLength = 2 * half + 1
        let upsampledRate = Double(inputRateHz * upFactor)
        let normalisedCutoff = 2 * cutoffHz / upsampledRate
        var prototype = [Double](repeating: 0, count: prototypeLength)
        let denominator = besselI0(beta)
        for k in 0..<prototypeLength {
            let t = Double(k - half)
            let x = normalisedCutoff * t
            let sinc = x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x)
            let ratio = t / Double(half)
            let window = besselI0(beta * (1 - ratio * ratio).squareRoot()) / denominator
            prototype[k] = normalisedCutoff * sinc * window * Double(upFactor)
        }
        // Normalise each phase's DC gain to exactly 1 so levels are preserved across rates.
        tapCount = design.tapCount
        var bank = [Float](repeating: 0, count: upFactor * tapCount)
        for phase in 0..<upFactor {
            var sum = 0.0
            for m in 0..<tapCount where phase + m * upFactor < prototypeLength { sum += prototype[phase + m * upFactor] }
            for m in 0..<tapCount where phase + m * upFactor < prototypeLength {
                bank[phase * tapCount + m] = Float(prototype[phase + m * upFactor] / sum)
            }
        }
        coefficients = bank
    }
}

/// Modified Bessel function of the first kind, order 0 (power series).
func besselI0(_ x: Double) -> Double {
    var sum = 1.0, term = 1.0
    let quarterSquare = x * x / 4
    for k in 1...50 {
        term *= quarterSquare / Double(k * k)
        sum += term
        if term < sum * 1e-12 { break }
    }
    return sum
}

func gcd(_ a: Int, _ b: Int) -> Int {
    var (a, b) = (a, b)
    while b != 0 { (a, b) = (b, a % b) }
    return a
}
