import AttuneDSP
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

    /// A live server lends each push FFT work buffers that another call used last
    /// (`SignalEngine.push(interleaved:scratch:)`): every fixture call, pushed in turn through one
    /// set, 160 sample frames at a time (a live push), gives the report it gives alone.
    @Test func callsTakingTurnsWithOneSetOfWorkBuffersGiveTheirOwnReports() throws {
        let calls = FixtureTruth.allCallIds()
        let recordings = try calls.map { try LoadedRecording.load(try FixtureTruth.load($0).recording()) }
        var analyzers = try zip(calls, recordings).map { call, recording in
            try CallAnalyzer(callId: call, layout: recording.layout, sampleRateHz: recording.sampleRateHz, configuration: .default, model: nil)
        }
        var scratch = FrameScratch()
        var offsets = [Int](repeating: 0, count: calls.count)
        var pushing = true
        while pushing {
            pushing = false
            for (index, recording) in recordings.enumerated() where offsets[index] < recording.samples.count {
                let end = min(recording.samples.count, offsets[index] + 160 * recording.layout.channelCount)
                analyzers[index].push(interleaved: Array(recording.samples[offsets[index]..<end]), scratch: &scratch)
                offsets[index] = end
                pushing = true
            }
        }
        #expect(calls.count >= 10)
        for (index, call) in calls.enumerated() {
            #expect(analyzers[index].finish() == (try recordings[index].analyze(callId: call)), "\(call): sharing work buffers changed the report")
        }
    }
}

