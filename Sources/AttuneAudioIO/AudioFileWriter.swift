/// Writes interleaved float samples to an audio file in any `AudioFileFormat`.
///
/// Used to make test inputs in every format and rate Attune must read; not on any analysis path.
public struct AudioFileWriter: ~Copyable {
    private let file: SndFileHandle

    /// Creates (or replaces) `path`.
    public init(path: String, format: AudioFileFormat, sampleRateHz: Int, channelCount: Int) throws(AudioFileError) {
        file = try SndFileHandle(writingTo: path, format: format.code, sampleRateHz: sampleRateHz, channelCount: channelCount)
    }

    /// Appends interleaved samples (count a multiple of the channel count), values in [-1, 1].
    public func write(_ samples: [Float]) throws(AudioFileError) {
        try samples.withUnsafeBufferPointer { (pointer) throws(AudioFileError) in try self.file.write(pointer) }
    }

    /// Writes `samples` to `path` in one go.
    public static func write(
        _ samples: [Float], to path: String, format: AudioFileFormat, sampleRateHz: Int, channelCount: Int
    ) throws(AudioFileError) {
        let writer = try AudioFileWriter(path: path, format: format, sampleRateHz: sampleRateHz, channelCount: channelCount)
        try writer.write(samples)
    }
}
