import AttunePipeline
import AttuneTestSupport
import Testing

/// Batch and streaming are one engine: every fixture fed whole and in chunks of 1, 7, 160, 441 and
/// 4096 samples gives bit-identical reports.
@Suite struct ChunkInvarianceTests {
    @Test(arguments: FixtureTruth.allCallIds())
    func reportsDoNotDependOnChunkSize(call: String) throws {
        let truth = try FixtureTruth.load(call)
        let recording = try LoadedRecording.load(truth.recording())
        let whole = try recording.analyze(callId: call)
        #expect(!whole.segments.isEmpty)
        for chunk in [1, 7, 160, 441, 4096] {
            let chunked = try recording.analyze(callId: call, chunkSamples: chunk)
            #expect(chunked == whole, "\(call): chunks of \(chunk) samples changed the report")
        }
        // And the file path (decoded 4096 samples at a time) agrees with both.
        #expect(try RecordingAnalysis.analyze(truth.recording(), callId: call) == whole)
    }
}
