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
    /// The Monday of the survey response's week (`YYYY-MM-DD`), when dated (calls from a store).
    public var week: String? = nil
    /// When the customer answered (ISO 8601 UTC), when known.
    public var respondedAt: String? = nil
}

/// What a calibration run reads.
public struct CalibrationDataset: Sendable {
    public var name: String
    public var examples: [CalibrationExample]
    /// Problems met while loading (skipped examples), one line each.
    public var skipped: [String]

    /// What an EmoDB clip is compared with (a 2 s clip has no earlier speech of its own).
    public enum EmoDBBaseline: String, Sendable, CaseIterable {
        /// Each clip streamed through the engine as a call presents a customer: after the
        /// speaker's own other neutral clips, as their earlier speech (see `loadEmoDBInContext`).
        /// The default: the same path, baseline and moving window a call's distress takes.
        case inContext
        /// The speaker's other neutral clips (leave-one-out), as clip means: stands in for a
        /// caller's calm earlier speech, without streaming.
        case calm
        /// The mean of all the speaker's clips, every emotion (uses no label).
        case speakerMean
        /// The mean of every clip of every speaker: no speaker baseline, as in a call's first seconds.
        case none
    }

    /// Loads `path`: a folder of labelled fixture calls (`*.truth.json` with `labels`), or an
    /// EmoDB folder (`labels.csv`).
    public static func load(
        _ path: String, model: LoadedModel, configuration: AnalysisConfiguration = .default, emoDBBaseline: EmoDBBaseline = .inContext
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
        let rows = try emoDBRows(folder)
        if mode == .inContext { return try loadEmoDBInContext(folder, rows: rows, model: model, configuration: configuration) }
        var clips: [(row: [String: String], cues: CueSums, spikes: Int, report: CallReport)] = []
        var skipped: [String] = []
        for row in rows {
            let file = row["file"]!
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
            case .inContext:
                preconditionFailure("in-context examples are streamed by loadEmoDBInContext")
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

    /// Every example as a CSV row: `id, group, speakerGroup, category, distressed, ces`, then each
    /// metric and distress metric seen in any example (empty where unknown), columns sorted.
    public func examplesCSV() -> String {
        let metricNames = Set(examples.flatMap { $0.metrics.keys }).sorted()
        let distressNames = Set(examples.flatMap { $0.distressMetrics?.keys ?? [:].keys }).sorted()
        func field(_ text: String?) -> String {
            guard let text else { return "" }
            return text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        func number(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
        var lines = [(["id", "group", "speakerGroup", "category", "distressed", "ces"] + metricNames + distressNames.map { "distress." + $0 }).joined(separator: ",")]
        for example in examples {
            let fixed = [field(example.id), field(example.group), field(example.speakerGroup), field(example.category),
                         example.distressed.map { $0 ? "1" : "0" } ?? "", number(example.ces)]
            lines.append((fixed + metricNames.map { number(example.metrics[$0]) } + distressNames.map { number(example.distressMetrics?[$0]) }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The rows of an EmoDB folder's `labels.csv` that name a clip and its emotion.
    static func emoDBRows(_ folder: String) throws -> [[String: String]] {
        let text = try String(contentsOfFile: folder + "/labels.csv", encoding: .utf8)
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        return lines.map { Dictionary(uniqueKeysWithValues: zip(header, $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init))) }
            .filter { !($0["file"] ?? "").isEmpty && !($0["label"] ?? "").isEmpty }
    }

    /// A baseline whose means (and pitch spread and pace) are the means of each span's own.
    static func meanOfMeans(_ spans: [CueSums]) -> CueSums {
        // Each mean is written as a sum over `unit` frames, so the means read back exactly.
        let unit = 100_000
        func meanAccumulator(_ cue: KeyPath<CueSums, CueAccumulator>) -> CueAccumulator {
            let known = spans.compactMap { $0[keyPath: cue].mean }
            guard !known.isEmpty else { return CueAccumulator() }
            return CueAccumulator(count: unit, sum: known.reduce(0, +) / Double(known.count) * Double(unit))
        }
        var baseline = CueSums()
        baseline.level = meanAccumulator(\.level)
        baseline.speechFrames = baseline.level.count
        let paces = spans.compactMap(\.syllablesPerSecond)
        if baseline.speechFrames > 0 && !paces.isEmpty {
            baseline.syllablePeaks = Int((paces.reduce(0, +) / Double(paces.count) * baseline.speechSeconds).rounded())
        }
        baseline.pitch = meanAccumulator(\.pitch)
        if let pitch = baseline.pitch.mean {
            let spreads = spans.compactMap(\.pitchSpreadSemitones)
            let spread = spreads.isEmpty ? 0 : spreads.reduce(0, +) / Double(spreads.count)
            baseline.pitchSquareSum = (spread * spread + pitch * pitch) * Double(unit)
        }
        for cue in [\CueSums.centroid, \.tilt, \.jitter, \.pitchSlope, \.harmonicity, \.shimmer, \.flatness] as [WritableKeyPath<CueSums, CueAccumulator>] {
            baseline[keyPath: cue] = meanAccumulator(cue)
        }
        return baseline
    }
}
