public import AttuneAudioIO
import FoundationEssentials

/// Every kind of bad input the issues list, written to a folder: each file with the error code a
/// reader must give for it. Hostile headers (absurd rates, an infinite AIFF rate, days of declared
/// audio), absurd float samples, MPEG audio and truncation in every container are built here too,
/// most of them by hand, byte by byte.
public enum BadAudioFiles {
    public struct Case: Sendable, CustomStringConvertible {
        public var name: String
        public var path: String
        public var expected: AudioFileError.Code
        public var description: String { name }
    }

    /// Writes the bad files into `directory` and returns them.
    public static func make(in directory: String) throws -> [Case] {
        func write(_ data: Data, _ name: String) throws -> String {
            let path = "\(directory)/\(name)"
            try data.write(to: URL(fileURLWithPath: path))
            return path
        }
        // A valid 1 s stereo 16-bit WAV to damage.
        let validPath = "\(directory)/valid.wav"
        try AudioFileWriter.write([Float](repeating: 0.25, count: 16_000), to: validPath, format: .wavPCM16, sampleRateHz: 8000, channelCount: 2)
        let valid = try Data(contentsOf: URL(fileURLWithPath: validPath))
        var zeroChannels = valid
        zeroChannels[22] = 0
        zeroChannels[23] = 0  // the fmt chunk's channel count
        var absurd = valid
        let dataTag = absurd.firstRange(of: Data("data".utf8))!.lowerBound
        for (offset, byte) in [0xF0, 0xFF, 0xFF, 0x7F].enumerated() { absurd[dataTag + 4 + offset] = UInt8(byte) }

        var noisy = SignalGenerator(seed: 3)
        let flacPath = "\(directory)/whole.flac"
        try AudioFileWriter.write(noisy.noise(count: 32_000, rms: 0.1), to: flacPath, format: .flac16, sampleRateHz: 8000, channelCount: 2)
        let flac = try Data(contentsOf: URL(fileURLWithPath: flacPath))

        var nonFinite = [Float](repeating: 0.1, count: 16_000)
        nonFinite[9_001] = .nan
        let nanPath = "\(directory)/nan.wav"
        try AudioFileWriter.write(nonFinite, to: nanPath, format: .wavFloat, sampleRateHz: 8000, channelCount: 2)
        nonFinite[9_001] = .infinity
        let infinityPath = "\(directory)/infinity.wav"
        try AudioFileWriter.write(nonFinite, to: infinityPath, format: .wavFloat, sampleRateHz: 8000, channelCount: 2)
        let sixPath = "\(directory)/six.wav"
        try AudioFileWriter.write([Float](repeating: 0.1, count: 6 * 800), to: sixPath, format: .wavPCM16, sampleRateHz: 8000, channelCount: 6)

        // Issue 14: a 48-byte WAV claiming 2,147,483,640 Hz (12.6 GB of resampler filter before).
        var absurdRate = Data("RIFF".utf8) + le32(40) + Data("WAVE".utf8) + Data("fmt ".utf8) + le32(16)
        absurdRate += le16(1) + le16(2) + le32(2_147_483_640) + le32(0) + le16(4) + le16(16)
        absurdRate += Data("data".utf8) + le32(4) + Data(count: 4)
        // An AIFF whose 80-bit rate is +infinity (libsndfile reads 67,108,864 Hz).
        let infiniteRate = Data(aiff(rate80: [0x7F, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0], frames: 800))
        // A well-formed 384 kHz file: above the supported range.
        let fastPath = "\(directory)/384k.wav"
        try AudioFileWriter.write([Float](repeating: 0.1, count: 2 * 3840), to: fastPath, format: .wavPCM16, sampleRateHz: 384_000, channelCount: 2)
        // Float samples of 1e18 (a flipped exponent bit): squares overflow Float sums downstream.
        var huge = [Float](repeating: 0.1, count: 16_000)
        huge[9_001] = 1e18
        let hugePath = "\(directory)/huge.wav"
        try AudioFileWriter.write(huge, to: hugePath, format: .wavFloat, sampleRateHz: 8000, channelCount: 2)
        // MPEG layer III inside a WAV (format tag 0x55) holding damaged frames, and a bare MP3
        // (an ID3 tag, then a frame header and damaged frames): libmpg123 printed notes to stderr.
        var garbage = SignalGenerator(seed: 14)
        let damaged = Data(garbage.noise(count: 10_000, rms: 0.3).map { UInt8(truncatingIfNeeded: Int(($0 + 1) * 127)) })
        var mpegFormat = le16(0x55) + le16(1) + le32(8000) + le32(1000) + le16(1) + le16(0) + le16(12)
        mpegFormat += le16(1) + le32(2) + le16(144) + le16(1) + le16(1393)
        var mpegInWav = Data("WAVE".utf8) + Data("fmt ".utf8) + le32(UInt32(mpegFormat.count)) + mpegFormat
        mpegInWav += Data("data".utf8) + le32(UInt32(damaged.count)) + damaged
        mpegInWav = Data("RIFF".utf8) + le32(UInt32(mpegInWav.count)) + mpegInWav
        let mp3 = Data("ID3".utf8) + Data([3, 0, 0, 0, 0, 0, 10]) + Data(count: 10) + Data([0xFF, 0xFB, 0x90, 0x64]) + damaged
        // A FLAC whose STREAMINFO declares 2^36 - 1 samples (99 days at 8 kHz).
        var endless = flac
        endless[21] |= 0x0F
        for index in 22..<26 { endless[index] = 0xFF }

        // Every container cut at 60 %: libsndfile read AIFF, AIFC, AU, W64 and most OGG silently as
        // shorter calls.
        var cuts: [Case] = []
        for (format, name) in [(AudioFileFormat.auPCM16, "AU"), (.auMuLaw, "AU μ-law"), (.aiffPCM16, "AIFF"), (.aifcFloat, "AIFC"),
                               (.w64PCM16, "W64"), (.rf64PCM16, "RF64"), (.cafPCM16, "CAF"), (.oggVorbis, "OGG"), (.oggOpus, "Opus")] {
            let rate = format == .oggOpus ? 16000 : 8000
            let whole = "\(directory)/whole-\(cuts.count).\(format.fileExtension)"
            try AudioFileWriter.write(noisy.noise(count: 6 * rate, rms: 0.1), to: whole, format: format, sampleRateHz: rate, channelCount: 2)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
            let path = try write(bytes.prefix(bytes.count * 6 / 10), "cut-\(cuts.count).\(format.fileExtension)")
            cuts.append(Case(name: "truncated \(name)", path: path, expected: .truncated))
        }

        return [
            Case(name: "empty file", path: try write(Data(), "empty.wav"), expected: .empty),
            Case(name: "truncated header", path: try write(valid.prefix(20), "short-header.wav"), expected: .malformed),
            Case(name: "truncated data", path: try write(valid.prefix(10_000), "short-data.wav"), expected: .truncated),
            Case(name: "truncated FLAC", path: try write(flac.prefix(flac.count / 2), "cut.flac"), expected: .truncated),
            Case(name: "absurd declared length", path: try write(absurd, "absurd.wav"), expected: .truncated),
            Case(name: "text renamed .wav", path: try write(Data("This is a meeting note, not a recording.\n".utf8), "notes.wav"), expected: .notAudio),
            Case(name: "zero channels", path: try write(zeroChannels, "zero-channels.wav"), expected: .unsupportedChannelCount),
            Case(name: "NaN sample", path: nanPath, expected: .nonFiniteSamples),
            Case(name: "infinite sample", path: infinityPath, expected: .nonFiniteSamples),
            Case(name: "six channels", path: sixPath, expected: .unsupportedChannelCount),
            Case(name: "missing path", path: "\(directory)/does-not-exist.wav", expected: .unreadable),
            Case(name: "a directory", path: directory, expected: .notAudio),
            Case(name: "48-byte WAV claiming 2147483640 Hz", path: try write(absurdRate, "absurd-rate.wav"), expected: .unsupportedSampleRate),
            Case(name: "AIFF with an infinite rate", path: try write(infiniteRate, "infinite-rate.aiff"), expected: .unsupportedSampleRate),
            Case(name: "384 kHz", path: fastPath, expected: .unsupportedSampleRate),
            Case(name: "float sample of 1e18", path: hugePath, expected: .outOfRangeSamples),
            Case(name: "MPEG in WAV", path: try write(mpegInWav, "mpeg.wav"), expected: .unsupportedEncoding),
            Case(name: "MP3", path: try write(mp3, "call.mp3"), expected: .unsupportedEncoding),
            Case(name: "text renamed .mp3", path: try write(Data("Not a recording either.\n".utf8), "notes.mp3"), expected: .unsupportedEncoding),
            Case(name: "FLAC declaring 99 days", path: try write(endless, "endless.flac"), expected: .tooLong),
            Case(name: "AU magic damaged (raw by name)", path: try write(Data(count: 4) + Data(repeating: 0x55, count: 4000), "damaged.au"), expected: .notAudio),
        ] + cuts
    }

    /// Little-endian 16 and 32-bit fields.
    static func le16(_ value: UInt16) -> Data { Data([UInt8(value & 0xFF), UInt8(value >> 8)]) }
    static func le32(_ value: UInt32) -> Data { Data((0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) }) }
    static func be32(_ value: UInt32) -> Data { Data((0..<4).map { UInt8((value >> (8 * (3 - $0))) & 0xFF) }) }

    /// A stereo 16-bit AIFF of `frames` frames with the given 80-bit extended sample rate.
    public static func aiff(rate80: [UInt8], frames: UInt32) -> [UInt8] {
        let comm = Data([0, 2]) + be32(frames) + Data([0, 16]) + Data(rate80)
        let ssnd = be32(0) + be32(0) + Data(repeating: 0x10, count: Int(frames) * 4)
        let body = Data("AIFF".utf8) + Data("COMM".utf8) + be32(UInt32(comm.count)) + comm + Data("SSND".utf8) + be32(UInt32(ssnd.count)) + ssnd
        return [UInt8](Data("FORM".utf8) + be32(UInt32(body.count)) + body)
    }
}
