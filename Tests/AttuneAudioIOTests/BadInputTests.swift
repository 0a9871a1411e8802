import AttuneAudioIO
import AttuneTestSupport
import Testing

/// Bad input gives a typed error naming the file, never a crash or a hang.
@Suite struct BadInputTests {
    /// Opens and reads `path` to the end; returns the error it gives.
    static func failure(_ path: String) -> AudioFileError? {
        do {
            var reader = try AudioFileReader(path: path)
            var buffer: [Float] = []
            while try reader.read(into: &buffer, maximumSampleCountPerChannel: 4096) > 0 {}
            return nil
        } catch {
            return error
        }
    }

    @Test func everyBadInputGivesItsTypedErrorNamingTheFile() throws {
        let cases = try BadAudioFiles.make(in: RepositoryPaths.temporaryDirectory("attune-bad"))
        #expect(cases.count == 30)
        for bad in cases {
            let error = Self.failure(bad.path)
            #expect(error?.code == bad.expected, "\(bad.name): \(String(describing: error))")
            #expect(error?.path == bad.path, "\(bad.name)")
            #expect(error.map { $0.description.hasPrefix(bad.path + ": ") } == true, "\(bad.name)")
        }
    }

    /// libsndfile keeps the cause of a failed open in one process-wide variable; opened while
    /// good files open on other threads (as in a batch), every bad file still gets its own cause.
    @Test func badFilesAreClassifiedWhileOthersOpen() async throws {
        let cases = try BadAudioFiles.make(in: RepositoryPaths.temporaryDirectory("attune-bad-race"))
        let text = try #require(cases.first { $0.name == "text renamed .wav" })
        let good = RepositoryPaths.fixtureCalls + "/calm-clean.flac"
        let wrong = await withTaskGroup(of: Int.self) { group in
            for task in 0..<4 {
                group.addTask {
                    var wrong = 0
                    for _ in 0..<300 {
                        if task % 2 == 0 {
                            if Self.failure(text.path)?.code != .notAudio { wrong += 1 }
                        } else {
                            _ = try? AudioFileReader(path: good)
                        }
                    }
                    return wrong
                }
            }
            return await group.reduce(0, +)
        }
        #expect(wrong == 0, "\(wrong) of 600 opens of a text file were not classified as not audio")
    }

    @Test func messagesSayWhereAndWhat() throws {
        let cases = try BadAudioFiles.make(in: RepositoryPaths.temporaryDirectory("attune-bad"))
        func message(_ name: String) -> String { Self.failure(cases.first { $0.name == name }!.path)?.message ?? "" }
        #expect(message("NaN sample").contains("at 0.563 s, channel 1"))
        #expect(message("six channels").contains("6 channels"))
        #expect(message("truncated data").contains("truncated"))
        #expect(message("empty file").contains("empty"))
        #expect(message("48-byte WAV claiming 2147483640 Hz").contains("2147483640 Hz; Attune reads 8000 to 192000 Hz"))
        #expect(message("AIFF with an infinite rate").contains("67108864 Hz"))
        #expect(message("float sample of 1e18").contains("1e+18 at 0.563 s, channel 1"))
        #expect(message("MPEG in WAV").contains("MPEG audio in a WAV file (format tag 0x55) is not supported"))
        #expect(message("FLAC declaring 99 days").contains("declares 99.4 days"))
        #expect(message("truncated AU").contains("declares 96000 bytes of audio data but the file holds"))
        #expect(message("truncated AIFF").contains("bytes of audio data but the file holds"))
        #expect(message("truncated AIFF").contains("; the data ends at 1."))  // of 3 s, cut at 60 %
        #expect(message("truncated OGG").contains("no end-of-stream page"))
    }
}
