public import AttuneDSP
import AttunePipeline
import AttuneAudioIO
import FoundationEssentials
internal import Glibc

/// A call of `fixtures/holds` (made by `Scripts/make_hold_fixtures.py` from a part of
/// `fixtures/calls/calm-clean`): its truth, its clean audio, and the noisy versions the tests make
/// from it (committed noise does not compress).
public struct HoldFixture: Sendable {
    /// A stretch of the call (s), with what it is.
    public struct Span: Decodable, Sendable {
        public var startSeconds: Double
        public var endSeconds: Double
        /// holds: `music`, `announcement` or `silent`; tones: `ringback`, `busy`.
        public var kind: String?
        public var party: String?
        /// dtmf: the key.
        public var digit: String?
    }
    /// Material inserted into the base call: from `startSeconds` (call time) for `durationSeconds`.
    public struct Insert: Decodable, Sendable {
        public var startSeconds: Double
        public var durationSeconds: Double
        public var content: String
    }
    public struct Levels: Decodable, Sendable {
        /// Level of the DTMF pairs over the key presses (dBFS RMS).
        public var dtmfPairDbfs: Double?
    }
    public struct Truth: Decodable, Sendable {
        public var callId: String
        public var baseCallId: String
        public var durationSeconds: Double
        /// Party → [[start, end]] (s): talk only (announcements are not the advisor's talk).
        public var segments: [String: [[Double]]]
        public var holds: [Span]
        public var music: [Span]
        public var announcements: [Span]
        public var tones: [Span]
        public var dtmf: [Span]
        public var inserted: [Insert]
        public var levels: Levels
        public var audio: FixtureTruth.Audio
    }

    public var truth: Truth
    /// The clean call.
    public var clean: LoadedRecording

    /// Every call id of `fixtures/holds`, sorted.
    public static func allCallIds() -> [String] { FixtureTruth.allCallIds(directory: RepositoryPaths.fixtureHolds) }

    public static func load(_ callId: String) throws -> HoldFixture {
        let directory = RepositoryPaths.fixtureHolds
        let truth = try JSONDecoder().decode(Truth.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(callId).truth.json")))
        let recording = CallRecording(source: .file("\(directory)/\(truth.audio.files[0])"), advisorChannel: truth.audio.advisorChannel ?? 0)
        return HoldFixture(truth: truth, clean: try LoadedRecording.load(recording))
    }

    /// Truth talk of `party` as (start, end) seconds.
    public func talk(of party: Party) -> [(Double, Double)] { (truth.segments[party.rawValue] ?? []).map { ($0[0], $0[1]) } }

    /// The same call without what was inserted: the base call's samples, as they were.
    public func withoutInserts() -> LoadedRecording {
        let channels = clean.layout.channelCount, rate = Double(clean.sampleRateHz)
        var samples: [Float] = []
        samples.reserveCapacity(clean.samples.count)
        var kept = 0  // sample frames copied up to here
        for insert in truth.inserted.sorted(by: { $0.startSeconds < $1.startSeconds }) {
            let start = Int((insert.startSeconds * rate).rounded()), end = Int(((insert.startSeconds + insert.durationSeconds) * rate).rounded())
            samples += clean.samples[(kept * channels)..<(max(kept, start) * channels)]
            kept = max(kept, end)
        }
        samples += clean.samples[min(kept * channels, clean.samples.count)...]
        return LoadedRecording(samples: samples, layout: clean.layout, sampleRateHz: clean.sampleRateHz)
    }

    /// `recording` with seeded white noise at `noiseDBFS` per channel (nil: none) added, except on
    /// `quiet` spans of `quietChannel` (a muted microphone: digital silence), then, if `muLaw`,
    /// through a G.711 μ-law WAV written and read back by libsndfile.
    public static func noisy(
        _ recording: LoadedRecording, noiseDBFS: [Double?], seed: UInt64, quiet: [(Double, Double)] = [], quietChannel: Int = 0,
        muLaw: Bool
    ) throws -> LoadedRecording {
        let channels = recording.layout.channelCount, rate = Double(recording.sampleRateHz)
        var samples = recording.samples
        var generator = SignalGenerator(seed: seed)
        let frames = samples.count / channels
        for c in 0..<channels {
            guard let level = noiseDBFS[c] else { continue }
            let rms = pow(10, level / 20)
            for i in 0..<frames { samples[i * channels + c] += Float(generator.nextGaussian() * rms) }
        }
        for (start, end) in quiet {
            for i in Int((start * rate).rounded())..<min(frames, Int((end * rate).rounded())) { samples[i * channels + quietChannel] = 0 }
        }
        for i in samples.indices { samples[i] = max(-1, min(1, samples[i])) }
        guard muLaw else { return LoadedRecording(samples: samples, layout: recording.layout, sampleRateHz: recording.sampleRateHz) }
        let directory = RepositoryPaths.temporaryDirectory("attune-hold")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/line.wav"
        try AudioFileWriter.write(samples, to: path, format: .wavMuLaw, sampleRateHz: recording.sampleRateHz, channelCount: channels)
        var line = try LoadedRecording.load(CallRecording(source: .file(path)))
        line.layout = recording.layout
        return line
    }
}
