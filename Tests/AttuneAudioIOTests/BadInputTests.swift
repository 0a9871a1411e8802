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
        #expect(cases.count == 12)
        for bad in cases {
            let error = Self.failure(bad.path)
            #expect(error?.code == bad.expected, "\(bad.name): \(String(describing: error))")
            #expect(error?.path == bad.path, "\(bad.name)")
            #expect(error.map { $0.description.hasPrefix(bad.path + ": ") } == true, "\(bad.name)")
        }
    }

    @Test func messagesSayWhereAndWhat() throws {
        let cases = try BadAudioFiles.make(in: RepositoryPaths.temporaryDirectory("attune-bad"))
        func message(_ name: String) -> String { Self.failure(cases.first { $0.name == name }!.path)?.message ?? "" }
        #expect(message("NaN sample").contains("at 0.563 s, channel 1"))
        #expect(message("six channels").contains("6 channels"))
        #expect(message("truncated data").contains("truncated"))
        #expect(message("empty file").contains("empty"))
    }
}
