import AttuneAudioIO
import AttuneDSP
import AttuneTestSupport
import FoundationEssentials
import Glibc
import Testing

/// Issue 14 item 5: what a header may claim is bounded before anything is sized from it, and the
/// new checks do not refuse real recordings.
@Suite struct AudioLimitsTests {
    static let standardRates = [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 176_400, 192_000]

    /// The resampler's filter, the one allocation that grew with a claimed rate, is bounded for
    /// every rate accepted; the bound is computed without building anything.
    @Test func theResamplerFilterIsBoundedForEveryAcceptedRate() {
        var accepted = 0, largest = 0
        for rate in AudioLimits.sampleRatesHz where PolyphaseResampler.supports(inputRateHz: rate, outputRateHz: 8000) {
            accepted += 1
            largest = max(largest, PolyphaseResampler.coefficientCount(inputRateHz: rate, outputRateHz: 8000) ?? .max)
        }
        #expect(largest == 352_500, "largest filter bank: \(largest) coefficients")  // 1.4 MB, at 191,792 Hz
        #expect(largest <= PolyphaseResampler.maximumCoefficientCount)
        #expect(accepted > 1000)
        for rate in Self.standardRates {
            #expect(SignalEngine.supports(sampleRateHz: rate), "\(rate) Hz")
        }
        // Building the largest one works and matches the count.
        let resampler = PolyphaseResampler(inputRateHz: 191_792, outputRateHz: 8000)
        #expect(resampler.upFactor == 500)
    }

    /// 2,147,483,640 Hz asked for 12.6 GB and aborted; 1,073,741,824 Hz took 3.8 GB; an AIFF's
    /// infinite rate reads as 67,108,864 Hz. None of them is supported now, anywhere.
    @Test(arguments: [2_147_483_640, 1_073_741_824, 67_108_864, 384_000, 192_001, Int(Int32.max), Int.max, 0, -8000, 7999])
    func hostileRatesAreRefusedWithoutBuildingAFilter(rate: Int) {
        #expect(!PolyphaseResampler.supports(inputRateHz: rate, outputRateHz: 8000))
        #expect(PolyphaseResampler.coefficientCount(inputRateHz: rate, outputRateHz: 8000) == nil)
        #expect(!SignalEngine.supports(sampleRateHz: rate))
    }

    /// Float files may go over full scale; only absurd values (beyond ±10,000) are refused.
    @Test func floatOversReadButAbsurdSamplesAreRefused() throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-limits")
        func read(_ value: Float) -> AudioFileError? {
            var samples = [Float](repeating: 0.1, count: 1600)
            samples[801] = value
            let path = "\(directory)/value-\(value).wav"
            do {
                try AudioFileWriter.write(samples, to: path, format: .wavFloat, sampleRateHz: 8000, channelCount: 2)
                var reader = try AudioFileReader(path: path)
                var buffer: [Float] = []
                var peak: Float = 0
                while try reader.read(into: &buffer, maximumSampleCountPerChannel: 256) > 0 { peak = max(peak, buffer.map(abs).max() ?? 0) }
                #expect(peak == abs(value), "samples are read as stored")
                return nil
            } catch {
                return error
            }
        }
        for value: Float in [1.5, -4, 9_999.5, -10_000] { #expect(read(value) == nil, "\(value)") }
        for value: Float in [10_000.01, -1e6, 1e18, -Float.greatestFiniteMagnitude] {
            let error = read(value)
            #expect(error?.code == .outOfRangeSamples, "\(value): \(String(describing: error))")
            #expect(error?.message.contains("at 0.050 s, channel 1") == true, "\(String(describing: error))")
        }
        #expect(read(.nan)?.code == .nonFiniteSamples)
    }

    /// A length no header states (a FLAC streamed without its total) is still bounded while
    /// decoding.
    @Test func decodingPastTheLongestRecordingIsRefused() throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-limits")
        let path = "\(directory)/unknown-length.flac"
        try AudioFileWriter.write([Float](repeating: 0.1, count: 2 * 16_000), to: path, format: .flac16, sampleRateHz: 8000, channelCount: 2)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[21] &= 0xF0  // STREAMINFO total samples (36 bits) = 0: "unknown"
        for index in 22..<26 { bytes[index] = 0 }
        try bytes.write(to: URL(fileURLWithPath: path))
        func readAll(limit: Int?) throws(AudioFileError) -> Int64 {
            var reader = try AudioFileReader(path: path, maximumDurationSeconds: limit)
            #expect(reader.declaredSampleCount == nil)
            var buffer: [Float] = []
            while try reader.read(into: &buffer, maximumSampleCountPerChannel: 1000) > 0 {}
            return reader.samplesReadPerChannel
        }
        #expect(try readAll(limit: nil) == 16_000)
        #expect(throws: AudioFileError.self) { try readAll(limit: 1) }
        do {
            _ = try readAll(limit: 1)
        } catch {
            #expect(error.code == .tooLong && error.message == "decodes to more than 1 s, the longest recording Attune analyses", "\(error)")
        }
        #expect(AudioLimits.maximumDurationSeconds == 86_400)
    }

    /// Ogg files: complete ones read whole, even with bytes after their end; a missing end is a cut.
    @Test func oggEndsAreRecognised() throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-limits")
        var noise = SignalGenerator(seed: 5)
        for (format, rate) in [(AudioFileFormat.oggVorbis, 8000), (.oggOpus, 8000), (.oggOpus, 16000), (.oggOpus, 48000), (.oggVorbis, 44100)] {
            let path = "\(directory)/whole-\(rate).\(format.fileExtension)"
            try AudioFileWriter.write(noise.noise(count: 2 * rate, rms: 0.1), to: path, format: format, sampleRateHz: rate, channelCount: 2)
            #expect(BadInputTests.failure(path) == nil, "\(format) at \(rate) Hz")
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes.append(Data(repeating: 0x41, count: 3000))
            let trailing = "\(directory)/trailing-\(rate).\(format.fileExtension)"
            try bytes.write(to: URL(fileURLWithPath: trailing))
            #expect(BadInputTests.failure(trailing) == nil, "\(format) at \(rate) Hz with bytes after its end")
            for fraction in [0.5, 0.8, 0.95] {
                let whole = try Data(contentsOf: URL(fileURLWithPath: path))
                let cut = "\(directory)/cut-\(rate)-\(fraction).\(format.fileExtension)"
                try whole.prefix(Int(Double(whole.count) * fraction)).write(to: URL(fileURLWithPath: cut))
                let error = BadInputTests.failure(cut)
                #expect(error?.code == .truncated, "\(format) at \(rate) Hz cut at \(fraction): \(String(describing: error))")
            }
        }
    }

    /// MPEG audio is refused before libsndfile hands it to libmpg123, which wrote its own notes
    /// ("Note: Illegal Audio-MPEG-Header …") to stderr ahead of Attune's line.
    @Test func mpegIsRefusedBeforeItsDecoderWritesToStderr() throws {
        let cases = try BadAudioFiles.make(in: RepositoryPaths.temporaryDirectory("attune-mpeg"))
        for name in ["MPEG in WAV", "MP3", "text renamed .mp3"] {
            let path = try #require(cases.first { $0.name == name }).path
            let (error, written) = Self.capturingStandardError { BadInputTests.failure(path) }
            #expect(error?.code == .unsupportedEncoding, "\(name): \(String(describing: error))")
            #expect(!written.contains("MPEG") && !written.contains("Note:") && !written.contains("mpg123"), "\(name) wrote: \(written)")
        }
    }

    /// Runs `body` with file descriptor 2 sent to a temporary file; returns what was written there.
    /// The text is then written to the real stderr as well, so nothing another test prints at the
    /// same moment is lost (the assertions look for the decoder's own words only).
    static func capturingStandardError<T>(_ body: () -> T) -> (T, String) {
        fflush(nil)
        var template = Array("/tmp/attune-stderr-XXXXXX".utf8CString)
        let file = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let saved = dup(2)
        dup2(file, 2)
        let result = body()
        fflush(nil)
        dup2(saved, 2)
        close(saved)
        close(file)
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        unlink(path)
        if !text.isEmpty { _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) } }
        return (result, text)
    }
}
