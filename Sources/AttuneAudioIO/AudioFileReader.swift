/// Reads an audio file in chunks, checking it on the way: channel count, sample rate, truncation
/// and non-finite samples each give an `AudioFileError` naming the file.
///
/// Memory does not grow with the file's length: the caller supplies one buffer and reuses it.
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

    private let file: SndFileHandle

    /// The channel counts Attune analyses: mono, or stereo with one party per channel.
    public static let supportedChannelCounts = 1...2

    /// Opens and checks `path`.
    /// - Parameter allowedChannelCounts: channel counts the caller can use (default 1 or 2).
    public init(path: String, allowedChannelCounts: ClosedRange<Int> = supportedChannelCounts) throws(AudioFileError) {
        let file = try SndFileHandle(readingFrom: path)
        let info = file.info
        guard info.channelCount > 0 else {
            throw AudioFileError(code: .unsupportedChannelCount, path: path, message: "the header declares zero channels")
        }
        guard allowedChannelCounts.contains(info.channelCount) else {
            let wanted = allowedChannelCounts.count == 1 ? "\(allowedChannelCounts.lowerBound)" : "\(allowedChannelCounts.lowerBound) to \(allowedChannelCounts.upperBound)"
            throw AudioFileError(
                code: .unsupportedChannelCount, path: path,
                message: "has \(info.channelCount) channels; expected \(wanted) (one party per channel)")
        }
        guard info.sampleRateHz > 0 else {
            throw AudioFileError(code: .unsupportedSampleRate, path: path, message: "the header declares a sample rate of \(info.sampleRateHz) Hz")
        }
        if info.headerDeclaresMoreThanFile {
            throw AudioFileError(code: .truncated, path: path, message: "truncated: the header declares more audio data than the file holds")
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
    }

    /// Duration the header declares (s), when known.
    public var declaredDurationSeconds: Double? {
        declaredSampleCount.map { Double($0) / Double(sampleRateHz) }
    }

    /// Reads up to `maximumSampleCountPerChannel` samples per channel into `buffer`, interleaved,
    /// as floats in [-1, 1]. The buffer is resized to exactly the samples read (its capacity is kept,
    /// so reusing one buffer allocates once).
    /// - Returns: samples per channel read; 0 at the end of the file.
    /// - Throws: `.nonFiniteSamples` at the first NaN or infinity, `.truncated` when the file ends
    ///   before the length its header declares, `.empty` when it holds no samples at all.
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
        if let bad = buffer.firstIndex(where: { !$0.isFinite }) {
            let at = Double(samplesReadPerChannel + Int64(bad / channelCount)) / Double(sampleRateHz)
            throw AudioFileError(
                code: .nonFiniteSamples, path: path,
                message: "holds a non-finite sample (\(buffer[bad])) at \(formatSeconds(at)) s, channel \(bad % channelCount)")
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
    let milliseconds = (seconds * 1000).rounded()
    let whole = Int(milliseconds) / 1000
    let fraction = Int(milliseconds) % 1000
    let padded = String(fraction)
    return "\(whole)." + String(repeating: "0", count: 3 - padded.count) + padded
}
