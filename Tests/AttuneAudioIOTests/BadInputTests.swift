import AttuneAudioIO
import AttuneTestSupport
import FoundationEssentials
import Testing

/// Bad input gives a typed error naming the file, never a crash or a hang.
@Suite struct BadInputTests {
    let directory = RepositoryPaths.temporaryDirectory("attune-bad")

    /// A valid 1 s stereo 16-bit WAV's bytes.
    func validWAV() throws -> Data {
        let path = "\(directory)/valid.wav"
        try AudioFileWriter.write([Float](repeating: 0.25, count: 16_000), to: path, format: .wavPCM16, sampleRateHz: 8000, channelCount: 2)
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    func write(_ data: Data, _ name: String) throws -> String {
        let path = "\(directory)/\(name)"
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Opens and reads `path` to the end; returns the error it gives.
    func failure(_ path: String) -> AudioFileError? {
        do {
            var reader = try AudioFileReader(path: path)
            var buffer: [Float] = []
            while try reader.read(into: &buffer, maximumSampleCountPerChannel: 4096) > 0 {}
            return nil
        } catch {
            return error
        }
    }

    func expectFailure(_ path: String, _ code: AudioFileError.Code, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = failure(path)
        #expect(error?.code == code, "\(path): \(String(describing: error))", sourceLocation: sourceLocation)
        #expect(error?.path == path, sourceLocation: sourceLocation)
        #expect(error.map { $0.description.hasPrefix(path + ": ") } == true, sourceLocation: sourceLocation)
    }

    @Test func emptyFile() throws { expectFailure(try write(Data(), "empty.wav"), .empty) }

    @Test func truncatedHeader() throws { expectFailure(try write(validWAV().prefix(20), "short-header.wav"), .malformed) }

    @Test func truncatedData() throws { expectFailure(try write(validWAV().prefix(10_000), "short-data.wav"), .truncated) }

    @Test func truncatedFLAC() throws {
        let path = "\(directory)/whole.flac"
        var generator = SignalGenerator(seed: 3)
        try AudioFileWriter.write(generator.noise(count: 32_000, rms: 0.1), to: path, format: .flac16, sampleRateHz: 8000, channelCount: 2)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        expectFailure(try write(bytes.prefix(bytes.count / 2), "cut.flac"), .truncated)
    }

    @Test func textRenamedAsWAV() throws {
        expectFailure(try write(Data("This is a meeting note, not a recording.\n".utf8), "notes.wav"), .notAudio)
    }

    @Test func zeroChannels() throws {
        var bytes = try validWAV()
        bytes[22] = 0
        bytes[23] = 0  // fmt chunk's channel count
        expectFailure(try write(bytes, "zero-channels.wav"), .unsupportedChannelCount)
    }

    @Test(arguments: [Float.nan, Float.infinity, -Float.infinity])
    func nonFiniteSamples(value: Float) throws {
        let path = "\(directory)/nonfinite.wav"
        var samples = [Float](repeating: 0.1, count: 16_000)
        samples[9_001] = value
        try AudioFileWriter.write(samples, to: path, format: .wavFloat, sampleRateHz: 8000, channelCount: 2)
        expectFailure(path, .nonFiniteSamples)
        #expect(failure(path)?.message.contains("0.563 s, channel 1") == true)
    }

    @Test func sixChannels() throws {
        let path = "\(directory)/six.wav"
        try AudioFileWriter.write([Float](repeating: 0.1, count: 6 * 800), to: path, format: .wavPCM16, sampleRateHz: 8000, channelCount: 6)
        expectFailure(path, .unsupportedChannelCount)
        #expect(failure(path)?.message.contains("6 channels") == true)
    }

    @Test func unreadablePaths() {
        expectFailure("\(directory)/does-not-exist.wav", .unreadable)
        expectFailure(directory, .notAudio)
    }

    @Test func absurdDeclaredLength() throws {
        var bytes = try validWAV()
        let dataTag = bytes.firstRange(of: Data("data".utf8))!.lowerBound
        for (offset, byte) in [0xF0, 0xFF, 0xFF, 0x7F].enumerated() { bytes[dataTag + 4 + offset] = UInt8(byte) }
        expectFailure(try write(bytes, "absurd.wav"), .truncated)
    }
}
