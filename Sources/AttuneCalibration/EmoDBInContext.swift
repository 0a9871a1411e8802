import AttuneDSP
import AttuneAudioIO
import AttunePipeline
import AttuneScoring
import Foundation
import Synchronization

/// EmoDB clips heard the way a call presents a customer's voice, for distress calibration.
///
/// A 2 s clip has no earlier speech of its own, and distress compares a customer with themselves.
/// So each clip becomes a stream through the real engine, mono on the customer's channel:
/// 1. the speaker's *other* neutral clips, back to back and looped to `baselineAudioSeconds`
///    (their calm earlier speech: the baseline the engine freezes after 15 s of speech);
/// 2. a pause longer than the distress window (the advisor talking), so the moving window then
///    holds nothing of the calm speech;
/// 3. the clip itself, said `repeats` times (one clip holds less speech than the window needs).
/// Under everything, quiet white noise (`noiseDBFS`), as on a clean line. The example's cue
/// metrics are those of the window that ends the stream: the clip against the speaker's calm
/// speech, exactly as a call's moving distress would read it.
///
/// Clips are resampled to the analysis rate once, and streams that share their calm part (every
/// clip of a speaker but the neutral ones, which leave themselves out) share its analysis: the
/// analyzer is a value, copied after the pause.
public enum EmoDBInContext {
    /// Calm speech before the clip (s of audio; about 15 s of speech).
    public static let baselineAudioSeconds = 20.0
    /// The clip is said this many times (about 4–5 s of speech).
    public static let repeats = 3
    /// The line's noise (dBFS RMS, white).
    public static let noiseDBFS = -70.0

    /// The calm part of a stream: 0.5 s of line, the calm clips looped to `baselineAudioSeconds`,
    /// then the pause (the distress window and 2 s more). At `AnalysisGrid.sampleRateHz`.
    /// - Precondition: `calm` is not empty.
    static func calmPart(_ calm: [[Float]], configuration: AnalysisConfiguration, seed: UInt64) -> [Float] {
        precondition(!calm.isEmpty, "a baseline needs calm clips")
        let rate = Double(AnalysisGrid.sampleRateHz)
        var samples = [Float](repeating: 0, count: Int(0.5 * rate))
        var next = 0
        while Double(samples.count) < (0.5 + baselineAudioSeconds) * rate {
            samples += calm[next % calm.count]
            next += 1
        }
        samples.append(contentsOf: repeatElement(0, count: Int((configuration.distressCues.windowSeconds + 2) * rate)))
        addNoise(&samples, seed: seed)
        return samples
    }

    /// The clip's part of a stream: the clip `repeats` times, then 0.5 s of line.
    static func clipPart(_ clip: [Float], seed: UInt64) -> [Float] {
        var samples: [Float] = []
        for _ in 0..<repeats { samples += clip }
        samples.append(contentsOf: repeatElement(0, count: AnalysisGrid.sampleRateHz / 2))
        addNoise(&samples, seed: seed)
        return samples
    }

    /// `samples` at the analysis rate (the engine's own resampler, so nothing differs from a file).
    static func toAnalysisRate(_ samples: [Float], sampleRateHz: Int) -> [Float] {
        guard sampleRateHz != AnalysisGrid.sampleRateHz else { return samples }
        var resampler = PolyphaseResampler(inputRateHz: sampleRateHz, outputRateHz: AnalysisGrid.sampleRateHz)
        var output: [Float] = [], value: Float = 0
        output.reserveCapacity(resampler.outputCount(forInputCount: samples.count))
        for sample in samples where resampler.push(sample, output: &value) { output.append(value) }
        while resampler.flush(output: &value) { output.append(value) }
        return output
    }

    private static func addNoise(_ samples: inout [Float], seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let amplitude = Float(pow(10, noiseDBFS / 20))
        for i in samples.indices {
            // Box–Muller: a standard normal draw.
            let u = Double.random(in: Double.ulpOfOne..<1, using: &generator), v = Double.random(in: 0..<1, using: &generator)
            samples[i] += amplitude * Float((-2 * log(u)).squareRoot() * cos(2 * Double.pi * v))
        }
    }
}

extension CalibrationDataset {
    /// EmoDB in context (`EmoDBInContext`): one example per clip, its distress metrics from the
    /// window that ends its stream. Angry and fear count as distressed. A clip whose speaker has
    /// no other neutral clip, or whose window never held enough speech, is skipped and said so.
    static func loadEmoDBInContext(_ folder: String, rows: [[String: String]], model: LoadedModel, configuration: AnalysisConfiguration) throws -> CalibrationDataset {
        var clips: [String: [Float]] = [:]
        for row in rows {
            let path = folder + "/" + row["file"]!
            var reader = try AudioFileReader(path: path, allowedChannelCounts: 1...1)
            guard SignalEngine.supports(sampleRateHz: reader.sampleRateHz) else {
                throw CalibrationDataError(message: "\(path): \(reader.sampleRateHz) Hz cannot be analysed")
            }
            var samples: [Float] = [], buffer: [Float] = []
            while try reader.read(into: &buffer, maximumSampleCountPerChannel: 1 << 16) > 0 { samples += buffer }
            clips[row["file"]!] = EmoDBInContext.toAnalysisRate(samples, sampleRateHz: reader.sampleRateHz)
        }
        // The calm parts: per speaker, all their neutral clips (for the other emotions), and all
        // but one (for each neutral clip). Keyed by the clips left out ("" for none).
        let speakers = Array(Set(rows.map { $0["speaker"] ?? "" })).sorted()
        var jobs: [(speaker: String, leftOut: String)] = []
        for speaker in speakers {
            jobs.append((speaker, ""))
            for row in rows where row["speaker"] == speaker && row["label"] == "neutral" { jobs.append((speaker, row["file"]!)) }
        }
        let calmClips = clips, prefixJobs = jobs
        let prefixes = Mutex([String: CallAnalyzer]())
        try Self.concurrently(prefixJobs.count) { index throws(CalibrationDataError) in
            let job = prefixJobs[index]
            let calm = rows.filter { $0["speaker"] == job.speaker && $0["label"] == "neutral" && $0["file"] != job.leftOut }.map { calmClips[$0["file"]!]! }
            guard !calm.isEmpty else { return }
            let samples = EmoDBInContext.calmPart(calm, configuration: configuration, seed: UInt64(index + 1))
            do {
                var analyzer = try CallAnalyzer(
                    callId: job.speaker, layout: .mono(party: .customer), sampleRateHz: AnalysisGrid.sampleRateHz, configuration: configuration, model: model)
                analyzer.push(interleaved: samples)
                prefixes.withLock { $0[job.speaker + "/" + job.leftOut] = analyzer }
            } catch {
                throw CalibrationDataError(message: "\(folder): \(error)")
            }
        }
        let calmAnalyzers = prefixes.withLock { $0 }
        let results = Mutex([Int: Result<CalibrationExample, CalibrationDataError>]())
        try Self.concurrently(rows.count) { index throws(CalibrationDataError) in
            let row = rows[index], file = row["file"]!, speaker = row["speaker"] ?? ""
            let key = speaker + "/" + (row["label"] == "neutral" ? file : "")
            guard var analyzer = calmAnalyzers[key] else {
                results.withLock { $0[index] = .failure(CalibrationDataError(message: "\(file): the speaker has no other neutral clip for a baseline")) }
                return
            }
            let samples = EmoDBInContext.clipPart(calmClips[file]!, seed: UInt64(1_000 + index))
            let end = analyzer.durationSeconds + Double(samples.count) / Double(AnalysisGrid.sampleRateHz)
            analyzer.push(interleaved: samples)
            let report = analyzer.finish()
            let outcome: Result<CalibrationExample, CalibrationDataError>
            // The window must be the clip's: a snapshot from its last seconds.
            if let metrics = analyzer.latestDistressMetrics, let last = analyzer.movingDistress, last.atSeconds > end - 3 {
                let emotion = row["label"]!
                outcome = .success(CalibrationExample(
                    id: file, group: speaker, speakerGroup: row["gender"], metrics: CallScoring.metrics(of: report),
                    distressMetrics: metrics, ces: nil, cesScale: nil, distressed: emotion == "angry" || emotion == "fear",
                    distressLevel: nil, category: emotion))
            } else {
                outcome = .failure(CalibrationDataError(message: "\(file): too little speech for a distress window"))
            }
            results.withLock { $0[index] = outcome }
        }
        var examples: [CalibrationExample] = [], skipped: [String] = []
        let outcomes = results.withLock { $0 }
        for index in rows.indices {
            switch outcomes[index]! {
            case .success(let example): examples.append(example)
            case .failure(let error): skipped.append(error.message)
            }
        }
        return CalibrationDataset(name: "\(folder) (in context)", examples: examples, skipped: skipped)
    }

    /// Runs `body` for 0..<count on all cores; rethrows the first error.
    private static func concurrently(_ count: Int, _ body: @Sendable (Int) throws(CalibrationDataError) -> Void) throws(CalibrationDataError) {
        let firstError = Mutex<CalibrationDataError?>(nil)
        DispatchQueue.concurrentPerform(iterations: count) { index in
            do throws(CalibrationDataError) { try body(index) } catch { firstError.withLock { if $0 == nil { $0 = error } } }
        }
        if let error = firstError.withLock({ $0 }) { throw error }
    }
}

/// A calibration set that cannot be used as it stands.
public struct CalibrationDataError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
