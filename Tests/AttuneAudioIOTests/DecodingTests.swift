import AttuneAudioIO
import AttuneTestSupport
import FoundationEssentials
import Glibc
import Testing

/// Anything libsndfile reads, at every rate Attune must accept, decodes to the samples written.
@Suite struct DecodingTests {
    /// Every container Attune reads; intact files in each must not be taken for truncated ones.
    static let formats: [AudioFileFormat] = [
        .wavPCM16, .wavPCM24, .wavPCM32, .wavFloat, .wavMuLaw, .wavALaw, .flac16, .oggVorbis,
        .auPCM16, .auMuLaw, .aiffPCM16, .aifcFloat, .w64PCM16, .rf64PCM16, .cafPCM16,
    ]
    static let rates = [8000, 16000, 22050, 44100, 48000]

    /// A 440 Hz stereo tone, left at 0.4 and right at 0.2 amplitude, 0.5 s.
    static func tone(rate: Int) -> [Float] {
        let count = rate / 2
        var out = [Float](repeating: 0, count: 2 * count)
        for n in 0..<count {
            let v = Float(sin(2 * Double.pi * 440 * Double(n) / Double(rate)))
            out[2 * n] = 0.4 * v
            out[2 * n + 1] = 0.2 * v
        }
        return out
    }

    static func readAll(_ path: String, chunk: Int = 1000) throws -> (samples: [Float], rate: Int, channels: Int) {
        var reader = try AudioFileReader(path: path)
        var buffer: [Float] = []
        var all: [Float] = []
        while try reader.read(into: &buffer, maximumSampleCountPerChannel: chunk) > 0 { all += buffer }
        return (all, reader.sampleRateHz, reader.channelCount)
    }

    @Test(arguments: formats, rates)
    func decodesEveryFormatAndRate(format: AudioFileFormat, rate: Int) throws {
        let directory = RepositoryPaths.temporaryDirectory()
        let path = "\(directory)/tone.\(format.fileExtension)"
        let written = Self.tone(rate: rate)
        try AudioFileWriter.write(written, to: path, format: format, sampleRateHz: rate, channelCount: 2)
        let (read, readRate, channels) = try Self.readAll(path)
        #expect(readRate == rate && channels == 2)
        #expect(read.count == written.count, "\(format) at \(rate) Hz: \(read.count) samples for \(written.count)")
        // Lossy and companded formats differ in detail; the level per channel must survive.
        func rms(_ x: [Float], channel: Int) -> Double {
            let values = stride(from: channel, to: x.count, by: 2).map { Double(x[$0]) }
            return (values.reduce(0) { $0 + $1 * $1 } / Double(values.count)).squareRoot()
        }
        for channel in 0..<2 {
            let ratio = rms(read, channel: channel) / rms(written, channel: channel)
            #expect(abs(ratio - 1) < 0.05, "\(format) at \(rate) Hz, channel \(channel): level ratio \(ratio)")
        }
        if format != .oggVorbis {
            let tolerance: Float = [.wavMuLaw, .wavALaw, .auMuLaw].contains(format) ? 0.02 : 0.001
            let worst = zip(read, written).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < tolerance, "\(format): worst sample error \(worst)")
        }
    }

    @Test func readingReusesOneBuffer() throws {
        let directory = RepositoryPaths.temporaryDirectory()
        let path = "\(directory)/long.flac"
        try AudioFileWriter.write([Float](repeating: 0.1, count: 2 * 80_000), to: path, format: .flac16, sampleRateHz: 8000, channelCount: 2)
        var reader = try AudioFileReader(path: path)
        var buffer: [Float] = []
        _ = try reader.read(into: &buffer, maximumSampleCountPerChannel: 4096)
        let capacity = buffer.capacity
        var total = 4096
        while case let n = try reader.read(into: &buffer, maximumSampleCountPerChannel: 4096), n > 0 {
            total += n
            #expect(buffer.capacity == capacity)
        }
        #expect(total == 80_000)
    }
}
