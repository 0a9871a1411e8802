internal import AttuneDSP

/// Reads an audio file in chunks, checking it on the way: channel count, sample rate, length,
/// truncation and non-finite or absurdly large samples each give an `AudioFileError` naming the
/// file.
///
/// The header is checked against `AudioLimits` as soon as the file is open, before anything is
/// sized from it; nothing is ever sized from a declared length. Memory does not grow with the
/// file's length: the caller supplies one buffer and reuses it.
///
/// ```swift
/// var reader = try AudioFileReader(path: "call.flac")
/// var buffer: [Float] = []
/// while case let n = try reader.read(into: &buffer, maximumSampleCountPerChannel: 4096), n > 0 { … }
/// ```
public struct AudioFileReader: ~Copyable {
    /// The file, as given.
    public let path: String
    /// Samples per second per channel (Hz).
    public let sampleRateHz: Int
    /// 1 (mono) or 2 (stereo).
    public let channelCount: Int
    /// Samples per channel the header declares; nil when the format does not say.
    public let declaredSampleCount: Int64?
    /// Container and encoding, e.g. "FLAC 16-bit PCM".
    public let formatName: String
    /// Samples per channel read so far.
    public private(set) var samplesReadPerChannel: Int64 = 0
    /// The longest recording accepted (s).
    public let maximumDurationSeconds: Int

    private let file: SndFileHandle

    /// The channel counts Attune analyses: mono, or stereo with one party per channel
    /// (`AudioLimits.channelCounts`).
    public static let supportedChannelCounts = AudioLimits.channelCounts

    /// Opens and checks `path`.
    /// - Parameters:
    ///   - allowedChannelCounts: channel counts the caller can use (default 1 or 2; never more than
    ///     `AudioLimits.channelCounts`).
    ///   - maximumDurationSeconds: the longest recording accepted, declared or decoded (nil, and at
    ///     most, `AudioLimits.maximumDurationSeconds`).
    public init(
        path: String, allowedChannelCounts: ClosedRange<Int> = supportedChannelCounts, maximumDurationSeconds: Int? = nil
    ) throws(AudioFileError) {
        let maximumDurationSeconds = min(maximumDurationSeconds ?? AudioLimits.maximumDurationSeconds, AudioLimits.maximumDurationSeconds)
        let file = try SndFileHandle(readingFrom: path)
        let info = file.info
        guard info.channelCount > 0 else {
            throw AudioFileError(code: .unsupportedChannelCount, path: path, message: "the header declares zero channels")
        }
        let allowed = allowedChannelCounts.clamped(to: AudioLimits.channelCounts)
        guard allowed.contains(info.channelCount) else {
            let wanted = allowed.count == 1 ? "\(allowed.lowerBound)" : "\(allowed.lowerBound) to \(allowed.upperBound)"
            throw AudioFileError(
                code: .unsupportedChannelCount, path: path,
                message: "has \(info.channelCount) channels; expected \(wanted) (one party per channel)")
        }
        let rate = info.sampleRateHz
        let rates = AudioLimits.sampleRatesHz
        guard rates.contains(rate) else {
            throw AudioFileError(
                code: .unsupportedSampleRate, path: path,
                message: "the header declares a sample rate of \(rate) Hz; Attune reads \(rates.lowerBound) to \(rates.upperBound) Hz")
        }
        guard SignalEngine.supports(sampleRateHz: rate) else {
            throw AudioFileError(
                code: .unsupportedSampleRate, path: path,
                message: "the sample rate of \(rate) Hz is not in a simple ratio to the \(AnalysisGrid.sampleRateHz) Hz analysis rate (e.g. 8, 11.025, 16, 22.05, 32, 44.1 or 48 kHz)")
        }
        if let truncation = info.truncation {
            let held = info.declaredSampleCount.map { "; the data ends at \(formatSeconds(Double($0) / Double(rate))) s" } ?? ""
            throw AudioFileError(code: .truncated, path: path, message: "truncated: \(truncation)\(held)")
        }
        if let declared = info.declaredSampleCount, declared > Int64(maximumDurationSeconds) * Int64(rate) {
            throw AudioFileError(
                code: .tooLong, path: path,
                message: "the header declares \(formatDuration(Double(declared) / Double(rate))); Attune analyses recordings up to \(formatDuration(Double(maximumDurationSeconds)))")
        }
        if info.declaredSampleCount == 0 {
            throw AudioFileError(code: .empty, path: path, message: "holds no audio samples")
        }
        self.file = file
        self.path = path
        self.sampleRateHz = info.sampleRateHz
        self.channelCount = info.channelCount
        self.declaredSampleCount = info.declaredSampleCount
        self.formatName = info.formatName
        self.maximumDurationSeconds = maximumDurationSeconds
    }

    /// Moves reading to `samplePerChannel` (0 = the start; at most the declared length).
    public mutating func seek(toSamplePerChannel sample: Int64) throws(AudioFileError) {
        precondition(sample >= 0)
        try file.seek(toSamplePerChannel: sample)
        samplesReadPerChannel = sample
    }

    /// Duration the header declares (s), when known.
    public var declaredDurationSeconds: Double? {
        declaredSampleCount.map { Double($0) / Double(sampleRateHz) }
    }

    /// Reads up to `maximumSampleCountPerChannel` samples per channel into `buffer`, interleaved,
    /// as floats (integer encodings in [-1, 1]; float encodings as stored, within
    /// ±`AudioLimits.maximumSampleMagnitude`). The buffer is resized to exactly the samples read
    /// (its capacity is kept, so reusing one buffer allocates once).
    /// - Returns: samples per channel read; 0 at the end of the file.
    /// - Throws: `.nonFiniteSamples` at the first NaN or infinity, `.outOfRangeSamples` at the first
    ///   sample beyond ±`AudioLimits.maximumSampleMagnitude`, `.truncated` when the file ends before
    ///   the length its header declares, `.tooLong` past `maximumDurationSeconds`,
    ///   `.empty` when it holds no samples at all.
    public mutating func read(into buffer: inout [Float], maximumSampleCountPerChannel: Int) throws(AudioFileError) -> Int {
        precondition(maximumSampleCountPerChannel > 0)
        let capacity = maximumSampleCountPerChannel * channelCount
        if buffer.count < capacity { buffer.append(contentsOf: repeatElement(0, count: capacity - buffer.count)) }
        let got: Int
        do {
            got = try buffer.withUnsafeMutableBufferPointer { (pointer) throws(AudioFileError) -> Int in
                try self.file.read(into: pointer, sampleCountPerChannel: maximumSampleCountPerChannel)
            }
        } catch {
            // A decoder that fails before the declared end has met the cut of a truncated file.
            guard let declared = declaredSampleCount, samplesReadPerChannel < declared else { throw error }
            throw AudioFileError(
                code: .truncated, path: path,
                message: "truncated: the header declares \(formatSeconds(Double(declared) / Double(sampleRateHz))) s but decoding fails near \(formatSeconds(Double(samplesReadPerChannel) / Double(sampleRateHz))) s (\(error.message))")
        }
        buffer.removeLast(buffer.count - got * channelCount)
        let limit = AudioLimits.maximumSampleMagnitude
        if let bad = buffer.withUnsafeBufferPointer({ SampleRange.firstOutOfRange($0, limit: limit) }) {
            let at = "at \(formatSeconds(Double(samplesReadPerChannel + Int64(bad / channelCount)) / Double(sampleRateHz))) s, channel \(bad % channelCount)"
            if buffer[bad].isFinite {
                throw AudioFileError(
                    code: .outOfRangeSamples, path: path,
                    message: "holds a sample of \(buffer[bad]) \(at), beyond ±\(Int(limit)) (80 dB over full scale; float audio is read on a ±1 full scale)")
            }
            throw AudioFileError(code: .nonFiniteSamples, path: path, message: "holds a non-finite sample (\(buffer[bad])) \(at)")
        }
        if samplesReadPerChannel + Int64(got) > Int64(maximumDurationSeconds) * Int64(sampleRateHz) {
            throw AudioFileError(
                code: .tooLong, path: path,
                message: "decodes to more than \(formatDuration(Double(maximumDurationSeconds))), the longest recording Attune analyses")
        }
        samplesReadPerChannel += Int64(got)
        if got == 0 {
            if samplesReadPerChannel == 0 {
                throw AudioFileError(code: .empty, path: path, message: "holds no audio samples")
            }
            if let declared = declaredSampleCount, samplesReadPerChannel < declared {
                throw AudioFileError(
                    code: .truncated, path: path,
                    message: "truncated: the header declares \(formatSeconds(Double(declared) / Double(sampleRateHz))) s but the data ends at \(formatSeconds(Double(samplesReadPerChannel) / Double(sampleRateHz))) s")
            }
        }
        return got
    }
}

/// Seconds with millisecond precision, for messages.
func formatSeconds(_ seconds: Double) -> String {
    guard seconds.isFinite, abs(seconds) < 1e12 else { return "\(seconds)" }
    let milliseconds = (seconds * 1000).rounded()
    let whole = Int(milliseconds) / 1000
    let fraction = Int(milliseconds) % 1000
    let padded = String(fraction)
    return "\(whole)." + String(repeating: "0", count: 3 - padded.count) + padded
}

/// A duration in seconds, hours or days, for messages: "90 s", "24 h", "99.4 days".
func formatDuration(_ seconds: Double) -> String {
    let hours = seconds / 3600
    guard hours.isFinite, hours < 1e12 else { return "\(seconds) s" }
    if seconds < 3600 { return "\(Int(seconds.rounded())) s" }
    if hours >= 48 { return "\(Double(Int((hours / 24 * 10).rounded())) / 10) days" }
    return hours == hours.rounded() ? "\(Int(hours)) h" : "\(Double(Int((hours * 10).rounded())) / 10) h"
}
