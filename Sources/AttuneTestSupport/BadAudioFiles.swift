public import AttuneAudioIO
import FoundationEssentials

/// Every kind of bad input the issue lists, written to a folder: each file with the error code a
/// reader must give for it.
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
        ]
    }
}
