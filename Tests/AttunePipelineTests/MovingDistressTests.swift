import AttuneDSP
import AttunePipeline
import AttuneScoring
import AttuneTestSupport
import Testing

/// The moving distress value as a live call shows it, second by second, and as the report's peak:
/// the cheap level the alerts check after every chunk is the full score's, and the report's peak
/// is the highest value the desktop was shown, at the second it was shown. (The default model
/// with its levels set low, so that these fixture calls pass through all three.)
@Suite struct MovingDistressTests {
    @Test(arguments: ["heated-clean", "heated-snr15", "calm-clean"])
    func alertsDesktopAndReportSeeTheSameDistress(call: String) throws {
        let recording = try LoadedRecording.load(try FixtureTruth.load(call).recording())
        var model = try DefaultModel.load()
        model.model.distressLevels = DistressLevels(elevated: 0.15, high: 0.3)
        var analyzer = try CallAnalyzer(
            callId: call, layout: recording.layout, sampleRateHz: recording.sampleRateHz, configuration: .default, model: model)
        var shown: [(value: Double, atSeconds: Double)] = [], levels: Set<DistressLevel> = []
        let step = 160 * recording.layout.channelCount
        var start = 0
        while start < recording.samples.count {
            let end = min(start + step, recording.samples.count)
            analyzer.push(interleaved: Array(recording.samples[start..<end]))
            start = end
            let full = analyzer.movingDistress, level = analyzer.movingDistressLevel
            #expect(full?.score.level == level?.level && full?.atSeconds == level?.atSeconds)
            if let level { levels.insert(level.level) }
            if let full, full.atSeconds != shown.last?.atSeconds { shown.append((full.score.value, full.atSeconds)) }
        }
        let distress = try #require(analyzer.finish().scores?.distress)
        let peak = try #require(shown.max { $0.value < $1.value }, "\(call): no moving distress value was shown")
        let firstPeak = try #require(shown.first { $0.value == peak.value })
        #expect(distress.value == (peak.value * 1000).rounded() / 1000)
        #expect(distress.peakAtSeconds == firstPeak.atSeconds)
        #expect(levels.count >= 2, "\(call): the levels seen, \(levels), do not test the level check; values \(shown.map(\.value))")
    }
}
