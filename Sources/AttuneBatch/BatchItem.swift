public import AttunePipeline
public import AttuneStore

/// One call to analyse in a batch: its recording and who it belongs to.
public struct BatchItem: Sendable {
    public var recording: CallRecording
    public var metadata: CallMetadata
    /// The manifest line it came from, if any.
    public var line: Int?

    public init(recording: CallRecording, metadata: CallMetadata, line: Int? = nil) {
        self.recording = recording
        self.metadata = metadata
        self.line = line
    }
}

/// Splits a night's calls across N machines: call `K` of `N` takes the calls whose id hashes to
/// `K` modulo `N` (FNV-1a, 64-bit, over the id's UTF-8), so shards never overlap or leave a gap,
/// and a call stays in its shard whatever else is in the night's folder.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    /// This shard, 0-based.
    public let index: Int
    /// Number of shards.
    public let count: Int

    /// Parses `K/N` with 0 ≤ K < N.
    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count > 0, (0..<count).contains(index) else {
            return nil
        }
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// Whether `callId` belongs to this shard.
    public func contains(callId: String) -> Bool {
        Int(Self.hash(callId) % UInt64(count)) == index
    }

    static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}
