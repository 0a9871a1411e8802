public import AttuneDSP
public import AttunePipeline
public import AttuneScoring
import Foundation

/// One labelled example, analysed.
public struct CalibrationExample: Sendable {
    public var id: String
    /// Folds never split a group (a speaker in EmoDB, a call otherwise).
    public var group: String
    /// Speaker group for breakdowns (EmoDB: gender), if known.
    public var speakerGroup: String?
    /// The report's metrics by name, plus `scores.distress` (effort reads them).
    public var metrics: [String: Double]
    /// The customer's cue metrics against their baseline (distress reads them).
    public var distressMetrics: [String: Double]?
    /// The survey answer and its scale, when labelled.
    public var ces: Double?
    public var cesScale: SurveyScale?
    /// Distress label: true = distressed; and the labelled level, when known.
    public var distressed: Bool?
    public var distressLevel: DistressLevel?
    /// A finer label for breakdowns (EmoDB: the emotion).
    public var category: String?
}

/// What a calibration run reads.
public struct CalibrationDataset: Sendable {
    public var name: String
    public var examples: [CalibrationExample]
    /// Problems met while loading (skipped examples), one line each.
    public var skipped: [String]

    /// What an EmoDB clip is compared with (a 2 s clip has no earlier speech of its own).
    public enum EmoDBBaseline: String, Sendable, CaseIterable {
        /// The speaker's other neutral clips (leave-one-out): stands in for a caller's calm
        /// earlier speech, the baseline a call gives. The default.
        case calm
        /// The mean of all the speaker's clips, every emotion (uses no label).
        case speakerMean
        /// The mean of every clip of every speaker: no speaker baseline, as in a call's first seconds.
        case none
    }

    /// Loads `path`: a folder of labelled fixture calls (`*.truth.json` with `labels`), or an
    /// EmoDB folder (`labels.csv`).
    public static func load(
        _ path: String, model: LoadedModel, configuration: AnalysisConfiguration = .default, emoDBBaseline: EmoDBBaseline = .calm
    ) throws -> CalibrationDataset {
        if FileManager.default.fileExists(atPath: path + "/labels.csv") {
            return try loadEmoDB(path, model: model, configuration: configuration, baseline: emoDBBaseline)
        }
        return try loadFixtures(path, model: model, configuration: configuration)
    }

    // MARK: - Fixture calls

    private struct Truth: Decodable {
        struct Audio: Decodable { var layout: String; var files: [String]; var advisorChannel: Int? }
        struct Labels: Decodable {
            struct Scale: Decodable { var min: Double; var max: Double; var higherIsEasier: Bool }
            var ces: Double?
            var cesScale: Scale?
            var distress: Int?
            var distressLevel: String?
            var customerVoice: String?
        }
        var callId: String
        var audio: Audio
        var labels: Labels?
    }

    static func loadFixtures(_ folder: String, model: LoadedModel, configuration: AnalysisConfiguration) throws -> CalibrationDataset {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".truth.json") }.sorted()
        var examples: [CalibrationExample] = []
        var skipped: [String] = []
        for name in names {
            let truth = try JSONDecoder().decode(Truth.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
            guard let labels = truth.labels, labels.ces != nil || labels.distress != nil else {
                skipped.append("\(name): no effort or distress labels")
                continue
            }
            let paths = truth.audio.files.map { folder + "/" + $0 }
            let recording = truth.audio.layout == "twoLeg"
                ? CallRecording(source: .twoLeg(advisor: paths[0], customer: paths[1]))
                : CallRecording(source: .file(paths[0]), advisorChannel: truth.audio.advisorChannel ?? 0)
            let (report, analyzer) = try RecordingAnalysis.analyzeKeepingAnalyzer(recording, callId: truth.callId, configuration: configuration, model: model)
            var metrics = CallScoring.metrics(of: report)
            if let distress = report.scores?.distress.value { metrics["scores.distress"] = distress }
            examples.append(CalibrationExample(
                id: truth.callId, group: truth.callId, speakerGroup: labels.customerVoice, metrics: metrics,
                distressMetrics: analyzer.distressPeakMetrics, ces: labels.ces,
                cesScale: labels.cesScale.map { SurveyScale(min: $0.min, max: $0.max, higherIsEasier: $0.higherIsEasier) },
                distressed: labels.distress.map { $0 > 0 }, distressLevel: labels.distressLevel.flatMap(DistressLevel.init(rawValue:)),
                category: labels.distressLevel))
        }
        return CalibrationDataset(name: folder, examples: examples, skipped: skipped)
    }

    // MARK: - EmoDB

    /// EmoDB clips as the customer's voice (mono, `--mono-party customer`): each clip is the
    /// window, compared with a baseline chosen by `baseline`. Angry and fear count as distressed;
    /// the other emotions do not.
    static func loadEmoDB(_ folder: String, model: LoadedModel, configuration: AnalysisConfiguration, baseline mode: EmoDBBaseline) throws -> CalibrationDataset {
        let text = try String(contentsOfFile: folder + "/labels.csv", encoding: .utf8)
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        let rows = lines.map { Dictionary(uniqueKeysWithValues: zip(header, $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init))) }
        var clips: [(row: [String: String], cues: CueSums, spikes: Int, report: CallReport)] = []
        var skipped: [String] = []
        for row in rows {
            guard let file = row["file"], let emotion = row["label"], !emotion.isEmpty else { continue }
            let recording = CallRecording(source: .file(folder + "/" + file), monoParty: .customer)
            let (report, analyzer) = try RecordingAnalysis.analyzeKeepingAnalyzer(recording, callId: file, configuration: configuration, model: model)
            guard let cues = analyzer.customerCueTotals, cues.speechFrames > 0 else {
                skipped.append("\(file): no speech found")
                continue
            }
            clips.append((row, cues, Int(report.metrics.customer?.energySpikes ?? 0), report))
        }
        // Baselines are means of clip means (clips weigh equally).
        let everyone = meanOfMeans(clips.map(\.cues))
        func baseline(for clip: (row: [String: String], cues: CueSums, spikes: Int, report: CallReport)) -> CueSums {
            let speaker = clip.row["speaker"]
            switch mode {
            case .none:
                return everyone
            case .speakerMean:
                return meanOfMeans(clips.filter { $0.row["speaker"] == speaker }.map(\.cues))
            case .calm:
                let calm = clips.filter { $0.row["speaker"] == speaker && $0.row["label"] == "neutral" && $0.row["file"] != clip.row["file"] }
                return meanOfMeans(calm.map(\.cues))
            }
        }
        let examples = clips.map { clip in
            let speaker = clip.row["speaker"] ?? ""
            let emotion = clip.row["label"]!
            return CalibrationExample(
                id: clip.row["file"]!, group: speaker, speakerGroup: clip.row["gender"], metrics: CallScoring.metrics(of: clip.report),
                distressMetrics: CallScoring.metrics(window: clip.cues, baseline: baseline(for: clip), windowSpikes: clip.spikes),
                ces: nil, cesScale: nil, distressed: emotion == "angry" || emotion == "fear",
                distressLevel: nil, category: emotion)
        }
        return CalibrationDataset(name: "\(folder) (baseline: \(mode.rawValue))", examples: examples, skipped: skipped)
    }

    /// A baseline whose means (and pitch spread and pace) are the means of each span's own.
    static func meanOfMeans(_ spans: [CueSums]) -> CueSums {
        func mean(_ values: [Double?]) -> Double? {
            let known = values.compactMap { $0 }
            return known.isEmpty ? nil : known.reduce(0, +) / Double(known.count)
        }
        // Each mean is written as a sum over `unit` frames, so the means read back exactly.
        let unit = 100_000
        let frames = Double(unit)
        var baseline = CueSums()
        if let level = mean(spans.map(\.meanLevelDBFS)) {
            baseline.speechFrames = unit
            baseline.levelSum = level * frames
            if let pace = mean(spans.map(\.syllablesPerSecond)) {
                baseline.syllablePeaks = Int((pace * baseline.speechSeconds).rounded())
            }
        }
        if let pitch = mean(spans.map(\.meanPitchSemitones)) {
            let spread = mean(spans.map(\.pitchSpreadSemitones)) ?? 0
            baseline.pitchFrames = unit
            baseline.pitchSum = pitch * frames
            baseline.pitchSquareSum = (spread * spread + pitch * pitch) * frames
        }
        if let centroid = mean(spans.map(\.meanCentroidHz)), let tilt = mean(spans.map(\.meanTiltDb)) {
            baseline.shapeFrames = unit
            baseline.centroidSum = centroid * frames
            baseline.tiltSum = tilt * frames
        }
        if let jitter = mean(spans.map(\.meanJitterSemitones)) {
            baseline.jitterPairs = unit
            baseline.jitterSum = jitter * frames
        }
        return baseline
    }
}
