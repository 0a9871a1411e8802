public import AttuneDSP
public import AttunePipeline
import FoundationEssentials

/// A fixture call's truth file (`fixtures/calls/*.truth.json`, schema `attune.truth/1`), written by
/// `Scripts/make_fixtures.py` from the clean per-channel signals before any noise was added.
public struct FixtureTruth: Decodable, Sendable {
    public struct Condition: Decodable, Sendable {
        public var name: String
        public var snrDb: Double?
        public var bleedDb: Double?
        public var sampleRateHz: Int
        /// Real-speech material (`RealSpeechMaterial`): `tune` or `heldOut`.
        public var split: String?
        /// Far talkers' level relative to the near talker (dB), in the `far` set.
        public var farTalkerDb: Double?
        /// How far raised phrases are above the speaker's median (dB), in the `raised` set.
        public var raisedDb: Double?
    }
    public struct Audio: Decodable, Sendable {
        public var layout: String
        public var files: [String]
        public var advisorChannel: Int?
    }
    public struct Event: Decodable, Sendable {
        public var type: String
        public var party: String?
        public var initiator: String?
        public var startSeconds: Double
        public var endSeconds: Double
        /// A raised phrase's level above the speaker's median (dB), in the `raised` set.
        public var dbAboveMedian: Double?
    }

    public var callId: String
    public var scenario: String
    public var condition: Condition
    public var audio: Audio
    public var durationSeconds: Double
    public var calm: Bool
    /// Party name → [[start, end]] (s).
    public var segments: [String: [[Double]]]
    public var overtalkSeconds: Double
    public var events: [Event]
    /// The near talker's deliberately quiet turns (10 dB under their median), in the `far` set.
    public var quietSegments: [String: [[Double]]]?

    /// Loads `<callId>.truth.json` from `directory`.
    public static func load(_ callId: String, directory: String = RepositoryPaths.fixtureCalls) throws -> FixtureTruth {
        let url = URL(fileURLWithPath: "\(directory)/\(callId).truth.json")
        return try JSONDecoder().decode(FixtureTruth.self, from: Data(contentsOf: url))
    }

    /// Every fixture call id, sorted.
    public static func allCallIds(directory: String = RepositoryPaths.fixtureCalls) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".truth.json") }.map { String($0.dropLast(".truth.json".count)) }.sorted()
    }

    /// The recording as `attune analyze` would be given it.
    public func recording(directory: String = RepositoryPaths.fixtureCalls) -> CallRecording {
        let paths = audio.files.map { "\(directory)/\($0)" }
        if audio.layout == "twoLeg" {
            return CallRecording(source: .twoLeg(advisor: paths[0], customer: paths[1]))
        }
        return CallRecording(source: .file(paths[0]), advisorChannel: audio.advisorChannel ?? 0)
    }

    /// The parties whose speech the analysis reports for this call.
    public var reportedParties: [Party] { audio.layout == "mono" ? [.mixed] : [.advisor, .customer] }

    /// Truth segments of `party` as (start, end) seconds.
    public func segments(of party: Party) -> [(Double, Double)] {
        (segments[party.rawValue] ?? []).map { ($0[0], $0[1]) }
    }

    /// The near talker's quiet turns of `party` as (start, end) seconds.
    public func quietSegments(of party: Party) -> [(Double, Double)] {
        (quietSegments?[party.rawValue] ?? []).map { ($0[0], $0[1]) }
    }

    /// Truth events of one type.
    public func events(_ type: String) -> [Event] { events.filter { $0.type == type } }
}
