/// A recording as a browser plays it: a 16-bit PCM WAV file made on the fly from the source (any
/// format Attune reads: FLAC, μ-law WAV, …; two leg files become the left and right channels),
/// of which any byte range is made alone, by seeking in the source. So an audio element can ask
/// for the middle of a four-hour call (HTTP range requests) and only that part is decoded.
public final class PlaybackAudio {
    /// Samples per second per channel (Hz), as recorded.
    public let sampleRateHz: Int
    /// 1 or 2 (two legs: advisor left, customer right).
    public let channelCount: Int
    /// Samples per channel (the shorter leg's, for two legs).
    public let sampleCountPerChannel: Int64
    /// The WAV file's length (bytes): its 44-byte header and the samples.
    public var byteCount: Int64 { Self.headerBytes + sampleCountPerChannel * Int64(channelCount) * 2 }
    /// The time (s) in the recording of the WAV file's byte `offset` (0 within the header).
    public func seconds(atByte offset: Int64) -> Double {
        Double(max(offset - Self.headerBytes, 0)) / Double(sampleRateHz * channelCount * 2)
    }

    static let headerBytes: Int64 = 44
    /// The file, or the advisor's and the customer's legs.
    private let sources: [Source]

    /// One open file (a class, so that the readers, which cannot be copied, sit in an array).
    private final class Source {
        var reader: AudioFileReader
        init(_ reader: consuming AudioFileReader) { self.reader = reader }
    }

    /// Opens the recording at `paths` (one file, or two mono leg files of one rate).
    public init(paths: [String]) throws(AudioFileError) {
        precondition(paths.count == 1 || paths.count == 2, "one file or two legs")
        var sources: [Source] = []
        for path in paths {
            let reader = try AudioFileReader(path: path, allowedChannelCounts: paths.count == 2 ? 1...1 : 1...2)
            if let other = sources.first, other.reader.sampleRateHz != reader.sampleRateHz {
                throw AudioFileError(code: .unsupportedSampleRate, path: path, message: "is at \(reader.sampleRateHz) Hz and the other leg at \(other.reader.sampleRateHz) Hz")
            }
            guard reader.declaredSampleCount != nil else {
                throw AudioFileError(code: .malformed, path: path, message: "its length is not in its header, so it cannot be played in parts")
            }
            sources.append(Source(reader))
        }
        self.sources = sources
        sampleRateHz = sources[0].reader.sampleRateHz
        channelCount = sources.count == 2 ? 2 : sources[0].reader.channelCount
        sampleCountPerChannel = sources.map { $0.reader.declaredSampleCount ?? 0 }.min() ?? 0
    }

    /// The WAV file's bytes `range` (within `0..<byteCount`).
    public func bytes(_ range: Range<Int64>) throws(AudioFileError) -> [UInt8] {
        precondition(range.lowerBound >= 0 && range.upperBound <= byteCount)
        var result: [UInt8] = []
        result.reserveCapacity(range.count)
        if range.lowerBound < Self.headerBytes {
            let header = header()
            result += header[Int(range.lowerBound)..<Int(min(range.upperBound, Self.headerBytes))]
        }
        let dataStart = max(range.lowerBound, Self.headerBytes) - Self.headerBytes
        let dataEnd = range.upperBound - Self.headerBytes
        guard dataEnd > dataStart else { return result }
        let frameBytes = Int64(channelCount * 2)
        let firstFrame = dataStart / frameBytes, endFrame = (dataEnd + frameBytes - 1) / frameBytes
        let samples = try samples(from: firstFrame, count: Int(endFrame - firstFrame))
        var pcm: [UInt8] = []
        pcm.reserveCapacity(samples.count * 2)
        // libsndfile's own scale (±32768 full scale): a 16-bit source comes back bit for bit.
        for sample in samples {
            let value = Int16(clamping: Int((max(-2, min(2, sample)) * 32768).rounded()))
            pcm.append(UInt8(truncatingIfNeeded: value))
            pcm.append(UInt8(truncatingIfNeeded: value >> 8))
        }
        let skip = Int(dataStart - firstFrame * frameBytes), wanted = Int(dataEnd - dataStart)
        // A leg that ends before the other is silence to the end.
        if pcm.count < skip + wanted { pcm += repeatElement(0, count: skip + wanted - pcm.count) }
        result += pcm[skip..<(skip + wanted)]
        return result
    }

    /// Interleaved samples of `count` frames from `frame` (each source's channels side by side).
    private func samples(from frame: Int64, count: Int) throws(AudioFileError) -> [Float] {
        var perSource: [[Float]] = []
        var chunk: [Float] = []
        for source in sources {
            try source.reader.seek(toSamplePerChannel: frame)
            var samples: [Float] = []
            samples.reserveCapacity(count * source.reader.channelCount)
            while samples.count < count * source.reader.channelCount {
                let n = try source.reader.read(into: &chunk, maximumSampleCountPerChannel: count - samples.count / source.reader.channelCount)
                if n == 0 { break }
                samples += chunk
            }
            perSource.append(samples)
        }
        guard perSource.count == 2 else { return perSource[0] }
        let frames = min(perSource[0].count, perSource[1].count)
        var interleaved: [Float] = []
        interleaved.reserveCapacity(2 * frames)
        for index in 0..<frames {
            interleaved.append(perSource[0][index])
            interleaved.append(perSource[1][index])
        }
        return interleaved
    }

    /// The 44-byte RIFF/WAVE header of 16-bit PCM.
    private func header() -> [UInt8] {
        func le32(_ value: Int64) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        func le16(_ value: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)] }
        let dataBytes = byteCount - Self.headerBytes
        return Array("RIFF".utf8) + le32(36 + dataBytes) + Array("WAVE".utf8) + Array("fmt ".utf8) + le32(16) + le16(1) + le16(channelCount)
            + le32(Int64(sampleRateHz)) + le32(Int64(sampleRateHz * channelCount * 2)) + le16(channelCount * 2) + le16(16)
            + Array("data".utf8) + le32(dataBytes)
    }
}
