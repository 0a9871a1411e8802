import AttuneDSP
import AttunePipeline
import AttuneScoring
import AttuneTestSupport
import Testing

/// The metric names a model may read (`LoadedModel.knownMetricNames`) are exactly the names the
/// pipeline gives the scorer: a new cue or metric cannot be left out of the list unnoticed.
@Suite struct MetricNamesTests {
    @Test func theCueNamesAreTheCuesTheDistressScoreIsGiven() {
        var sums = CueSums()
        sums.speechFrames = 500
        sums.syllablePeaks = 20
        for keyPath in [\CueSums.level, \.pitch, \.centroid, \.tilt, \.jitter, \.pitchSlope, \.harmonicity, \.shimmer, \.flatness] {
            sums[keyPath: keyPath] = CueAccumulator(count: 10, sum: 25)
        }
        sums.pitchSquareSum = 70
        let metrics = CallScoring.metrics(window: sums, baseline: sums, windowSpikes: 2)
        #expect(Set(metrics.keys) == Set(LoadedModel.cueMetricNames))
        #expect(Set(LoadedModel.cueMetricNames).isSubset(of: LoadedModel.knownMetricNames))
    }

    @Test(arguments: ["calm-clean.flac", "calm-mono.flac"])
    func everyMetricOfAReportIsKnown(_ file: String) throws {
        let report = try RecordingAnalysis.analyze(CallRecording(source: .file(RepositoryPaths.fixtureCalls + "/" + file)))
        let names = Set(CallScoring.metrics(of: report).keys)
        #expect(!names.isEmpty)
        #expect(names.subtracting(LoadedModel.knownMetricNames).isEmpty, "\(names.subtracting(LoadedModel.knownMetricNames).sorted())")
        #expect(LoadedModel.knownMetricNames.contains("scores.distress") && LoadedModel.knownMetricNames.contains("mixed.talkSeconds"))
    }
}
