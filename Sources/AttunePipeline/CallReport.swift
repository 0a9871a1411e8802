public import AttuneDSP

/// The report of one call: the fixed core of DESIGN §5 plus more keys. Schema `attune.call/1`.
///
/// Times are seconds from the start of the recording, to the millisecond (the analysis works in
/// 10 ms frames, so edges fall on 0.01 s).
public struct CallReport: Sendable, Equatable, Codable {
    /// Bump on a breaking change to this shape.
    public static let schemaName = "attune.call/1"

    public var schema = CallReport.schemaName
    public var callId: String
    public var durationSeconds: Double
    /// The recording's own sample rate (Hz); analysis runs at 8 kHz whatever this is.
    public var sampleRateHz: Int
    /// `stereo` (each party on a channel of its own, one file or two legs) or `mono`.
    public var channelLayout: String
    /// The parties heard, in channel order.
    public var parties: [Party]
    public var segments: [Segment]
    public var events: [Event]
    public var metrics: CallMetrics
    /// Effort and distress; nil when no scoring model was given.
    public var scores: CallScores?
    /// The scoring model used; nil when none was given.
    public var model: ModelReference?
    /// The engine that produced this report (`attune-engine/X.Y.Z`).
    public var engineVersion: String
    /// Fingerprint of the analysis settings (see `attune config`).
    public var configurationFingerprint: String

    /// A party's turn.
    public struct Segment: Sendable, Equatable, Codable {
        public var party: Party
        public var startSeconds: Double
        public var endSeconds: Double
        /// The turn's mean level relative to the party's median speech level (dB).
        public var levelDbRelative: Double?
    }

    /// A timeline event. Which optional keys are set depends on `type` (see `Kind`).
    public struct Event: Sendable, Equatable, Codable {
        public enum Kind: String, Sendable, Codable, CaseIterable {
            case overtalk, interruption, backchannel, deadAir, energySpike, hold
            /// A keypad key pressed (`party` pressed it); its value only as `digit`, when allowed.
            case dtmf
            /// A call-progress tone (ringback, busy, reorder, dial, SIT) on `party`'s channel.
            case tone
        }
        public var type: Kind
        /// interruption, backchannel, energySpike: whose it is.
        public var party: Party?
        /// overtalk: who started second.
        public var initiator: Party?
        public var startSeconds: Double
        public var endSeconds: Double
        /// energySpike: highest short-term level above the party's speech baseline (dB).
        public var peakDbAboveBaseline: Double?
        /// hold: `music`, `announcement` (a looped recording) or `silent` (a muted line); `party`
        /// is who placed it (whose channel carried it).
        public var holdKind: String?
        /// dtmf: the key ("0"–"9", "*", "#", "A"–"D"), only when `tones.revealDtmfDigits` is 1;
        /// absent by default (card numbers are typed on keypads).
        public var digit: String?
        /// tone: its one or two frequencies (Hz).
        public var frequenciesHz: [Double]?

        public init(type: Kind, party: Party? = nil, initiator: Party? = nil, startSeconds: Double, endSeconds: Double, peakDbAboveBaseline: Double? = nil) {
            self.type = type
            self.party = party
            self.initiator = initiator
            self.startSeconds = startSeconds
            self.endSeconds = endSeconds
            self.peakDbAboveBaseline = peakDbAboveBaseline
        }

        public var durationSeconds: Double { endSeconds - startSeconds }
    }

    /// Which model scored the call.
    public struct ModelReference: Sendable, Equatable, Codable {
        public var id: String
        public var version: String
        /// SHA-256 of the model file's bytes.
        public var sha256: String
        /// For a model fitted on a centre's surveys: its held-out Spearman ρ with their answers
        /// (absent for a model never calibrated on a centre's data, such as the shipped default).
        public var heldOutSpearman: Double?

        public init(id: String, version: String, sha256: String, heldOutSpearman: Double? = nil) {
            self.id = id
            self.version = version
            self.sha256 = sha256
            self.heldOutSpearman = heldOutSpearman
        }
    }

    /// The segments of one party.
    public func segments(of party: Party) -> [Segment] { segments.filter { $0.party == party } }
    /// The events of one kind.
    public func events(_ kind: Event.Kind) -> [Event] { events.filter { $0.type == kind } }
}

/// The engine's version, recorded in every report and part of the batch's result key: bump it
/// whenever a change can alter any report.
public enum AttuneEngine {
    public static let version = "attune-engine/0.2.0"
}
