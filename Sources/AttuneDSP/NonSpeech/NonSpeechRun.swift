/// A stretch of one channel that carries sound but not its party's talk: frames
/// `[startFrame, endFrame)` (10 ms each).
public struct NonSpeechRun: Sendable, Equatable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Music (hold music, a radio): spectral peaks that stay put (`MusicDetector`).
        case music
        /// The same recorded audio heard again: a looped announcement (`LoopDetector`).
        case announcement
        /// The line far below its own usual noise: the microphone is out of the call (`MutedLineDetector`).
        case muted
    }
    public var kind: Kind
    public var startFrame: Int
    public var endFrame: Int
    /// `announcement` only: where the loop would play again. The silence after its last hearing is
    /// still the customer's wait, up to here or to the next talk on the channel, whichever is first.
    public var waitsUntilFrame: Int?

    public init(kind: Kind, startFrame: Int, endFrame: Int) {
        self.kind = kind
        self.startFrame = startFrame
        self.endFrame = endFrame
    }

    public var frameCount: Int { endFrame - startFrame }
    public var startSeconds: Double { AnalysisGrid.seconds(frames: startFrame) }
    public var endSeconds: Double { AnalysisGrid.seconds(frames: endFrame) }
}

/// Frame intervals: subtraction and overlap, for taking non-speech out of turns and events.
enum FrameIntervals {
    /// `segments` with every frame inside `removed` (sorted or not) taken out; pieces shorter than
    /// `minimumFrames` are dropped. Each piece keeps its segment's mean level.
    static func subtract(_ removed: [Range<Int>], from segments: [SpeechSegment], minimumFrames: Int) -> [SpeechSegment] {
        guard !removed.isEmpty else { return segments }
        let cuts = merged(removed)
        var result: [SpeechSegment] = []
        result.reserveCapacity(segments.count)
        var c = 0
        for segment in segments {
            var start = segment.startFrame
            while c < cuts.count && cuts[c].upperBound <= start { c += 1 }
            var k = c
            while start < segment.endFrame {
                guard k < cuts.count, cuts[k].lowerBound < segment.endFrame else {
                    append(start, segment.endFrame)
                    break
                }
                if cuts[k].lowerBound > start { append(start, cuts[k].lowerBound) }
                start = max(start, cuts[k].upperBound)
                k += 1
            }
            func append(_ from: Int, _ to: Int) {
                if to - from >= minimumFrames {
                    result.append(SpeechSegment(startFrame: from, endFrame: to, meanLevelDBFS: segment.meanLevelDBFS))
                }
            }
        }
        return result
    }

    /// `removed` (sorted, disjoint) widened to whole segments where they cover more than half of
    /// one: a turn that is mostly music or a loop is the music's or the loop's edge (their first
    /// and last notes or syllables), not a party's talk.
    static func widened(_ removed: [Range<Int>], toSegmentsMostlyIn segments: [SpeechSegment]) -> [Range<Int>] {
        guard !removed.isEmpty else { return removed }
        var extra: [Range<Int>] = []
        for segment in segments {
            let range = segment.startFrame..<segment.endFrame
            guard overlaps(range, removed) else { continue }
            if covered(range, by: removed) * 2 > range.count { extra.append(range) }
        }
        return extra.isEmpty ? removed : merged(removed + extra)
    }

    /// Sorted, disjoint, non-empty ranges covering the same frames as `ranges`.
    static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where !range.isEmpty {
            if let last = result.last, range.lowerBound <= last.upperBound {
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }

    /// Whether `range` overlaps any of the sorted, disjoint `ranges`.
    static func overlaps(_ range: Range<Int>, _ ranges: [Range<Int>]) -> Bool {
        var low = 0, high = ranges.count
        while low < high {  // first range ending after range's start
            let mid = (low + high) / 2
            if ranges[mid].upperBound <= range.lowerBound { low = mid + 1 } else { high = mid }
        }
        return low < ranges.count && ranges[low].lowerBound < range.upperBound
    }

    /// Frames of `range` inside the sorted, disjoint `ranges`.
    static func covered(_ range: Range<Int>, by ranges: [Range<Int>]) -> Int {
        ranges.reduce(0) { $0 + max(0, min($1.upperBound, range.upperBound) - max($1.lowerBound, range.lowerBound)) }
    }

    /// Frames of `ranges` (sorted, disjoint).
    static func total(_ ranges: [Range<Int>]) -> Int { ranges.reduce(0) { $0 + $1.count } }
}
