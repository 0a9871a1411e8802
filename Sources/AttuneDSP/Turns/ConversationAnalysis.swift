/// Who is speaking on a channel.
public enum Party: String, Sendable, Hashable, CaseIterable, Codable {
    case advisor, customer
    /// A mono recording of both parties together.
    case mixed
}

/// An event on the conversation's timeline (DESIGN §3).
public struct ConversationEvent: Sendable, Equatable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Both parties talking for at least the overtalk minimum; `party` is the initiator (who started second).
        case overtalk
        /// An overtalk where the initiator (`party`) cut in mid-turn and the other party stopped.
        case interruption
        /// A short burst (`party`) inside the other's turn, which carries on: active listening, not an interruption.
        case backchannel
        /// A silence of at least the dead-air minimum between two turns; no party.
        case deadAir
    }
    public var kind: Kind
    public var party: Party?
    public var startFrame: Int
    public var endFrame: Int

    public var startSeconds: Double { AnalysisGrid.seconds(frames: startFrame) }
    public var endSeconds: Double { AnalysisGrid.seconds(frames: endFrame) }
    public var frameCount: Int { endFrame - startFrame }
}

/// The conversation-level facts derived from the parties' turns.
public struct ConversationTimeline: Sendable, Equatable {
    /// Events sorted by start, then kind.
    public var events: [ConversationEvent] = []
    /// Frames where nobody speaks (whole call, including before the first and after the last turn).
    public var silenceFrames = 0
    /// Frames of dead air (silences of at least the minimum between turns).
    public var deadAirFrames = 0
    /// Frames where both parties speak (every overlap, however short); 0 with one party.
    public var overtalkFrames = 0
    /// For each party, the gaps (frames) between the other party's turn end and this party's reply.
    public var responseGapFrames: [Party: [Int]] = [:]

    public func count(_ kind: ConversationEvent.Kind, by party: Party? = nil) -> Int {
        events.count { $0.kind == kind && (party == nil || $0.party == party) }
    }
}

/// Derives overtalk, interruptions, backchannels, dead air, silence and response gaps from turns.
/// Pure and deterministic; runs over the whole call at its end (and, live, over what is settled).
public enum ConversationAnalysis {
    /// - Parameters:
    ///   - turns: one entry per party present (one for mono, two for a stereo call), each party's
    ///     segments in time order.
    ///   - totalFrames: the call's length in frames.
    public static func analyze(
        turns: [(party: Party, segments: [SpeechSegment])], totalFrames: Int, configuration: TurnConfiguration
    ) -> ConversationTimeline {
        var timeline = ConversationTimeline()
        addSilence(turns.map(\.segments), totalFrames: totalFrames, configuration: configuration, to: &timeline)
        if turns.count == 2 {
            addOverlaps(turns[0], turns[1], configuration: configuration, to: &timeline)
            addBackchannels(of: turns[0], within: turns[1], configuration: configuration, to: &timeline)
            addBackchannels(of: turns[1], within: turns[0], configuration: configuration, to: &timeline)
            timeline.responseGapFrames[turns[1].party] = responseGaps(from: turns[0].segments, to: turns[1].segments)
            timeline.responseGapFrames[turns[0].party] = responseGaps(from: turns[1].segments, to: turns[0].segments)
        }
        timeline.events.sort {
            ($0.startFrame, kindOrder($0.kind), $0.endFrame) < ($1.startFrame, kindOrder($1.kind), $1.endFrame)
        }
        return timeline
    }

    private static func kindOrder(_ kind: ConversationEvent.Kind) -> Int {
        ConversationEvent.Kind.allCases.firstIndex(of: kind)!
    }

    // MARK: - Silence and dead air

    private static func addSilence(
        _ channels: [[SpeechSegment]], totalFrames: Int, configuration: TurnConfiguration, to timeline: inout ConversationTimeline
    ) {
        let union = unionOf(channels)
        let spoken = union.reduce(0) { $0 + $1.frameCount }
        timeline.silenceFrames = max(0, totalFrames - spoken)
        let minimum = AnalysisGrid.frames(seconds: configuration.deadAirMinimumSeconds)
        for (before, after) in zip(union, union.dropFirst()) where after.startFrame - before.endFrame >= minimum {
            timeline.events.append(ConversationEvent(kind: .deadAir, party: nil, startFrame: before.endFrame, endFrame: after.startFrame))
            timeline.deadAirFrames += after.startFrame - before.endFrame
        }
    }

    /// The union of several sorted segment lists, as sorted disjoint segments.
    static func unionOf(_ channels: [[SpeechSegment]]) -> [SpeechSegment] {
        let all = channels.flatMap { $0 }.sorted { $0.startFrame < $1.startFrame }
        var union: [SpeechSegment] = []
        for segment in all {
            if let last = union.last, segment.startFrame <= last.endFrame {
                union[union.count - 1].endFrame = max(last.endFrame, segment.endFrame)
            } else {
                union.append(SpeechSegment(startFrame: segment.startFrame, endFrame: segment.endFrame))
            }
        }
        return union
    }

    // MARK: - Overtalk and interruptions

    private static func addOverlaps(
        _ first: (party: Party, segments: [SpeechSegment]), _ second: (party: Party, segments: [SpeechSegment]),
        configuration: TurnConfiguration, to timeline: inout ConversationTimeline
    ) {
        let minimum = AnalysisGrid.frames(seconds: configuration.overtalkMinimumSeconds)
        let priorTalk = AnalysisGrid.frames(seconds: configuration.interruptionPriorTalkSeconds)
        let stopWithin = AnalysisGrid.frames(seconds: configuration.interruptionStopWithinSeconds)
        var i = 0, j = 0
        let a = first.segments, b = second.segments
        while i < a.count && j < b.count {
            let start = max(a[i].startFrame, b[j].startFrame)
            let end = min(a[i].endFrame, b[j].endFrame)
            if start < end {
                timeline.overtalkFrames += end - start
                if end - start >= minimum {
                    // The initiator started second; on a tie, the one whose turn is shorter.
                    let firstInitiates = a[i].startFrame != b[j].startFrame
                        ? a[i].startFrame > b[j].startFrame : a[i].frameCount < b[j].frameCount
                    let (initiator, own, other) = firstInitiates ? (first.party, a[i], b[j]) : (second.party, b[j], a[i])
                    timeline.events.append(ConversationEvent(kind: .overtalk, party: initiator, startFrame: start, endFrame: end))
                    let otherWasMidTurn = own.startFrame - other.startFrame >= priorTalk
                    let otherStopped = other.endFrame < own.endFrame && other.endFrame - own.startFrame <= stopWithin
                    if otherWasMidTurn && otherStopped {
                        timeline.events.append(ConversationEvent(kind: .interruption, party: initiator, startFrame: start, endFrame: end))
                    }
                }
            }
            if a[i].endFrame <= b[j].endFrame { i += 1 } else { j += 1 }
        }
    }

    /// Short bursts of `listener` that start inside a turn of `speaker` which carries on past them.
    private static func addBackchannels(
        of listener: (party: Party, segments: [SpeechSegment]), within speaker: (party: Party, segments: [SpeechSegment]),
        configuration: TurnConfiguration, to timeline: inout ConversationTimeline
    ) {
        let maximum = AnalysisGrid.frames(seconds: configuration.backchannelMaximumSeconds)
        var j = 0
        for burst in listener.segments where burst.frameCount < maximum {
            while j < speaker.segments.count && speaker.segments[j].endFrame <= burst.startFrame { j += 1 }
            guard j < speaker.segments.count else { break }
            let turn = speaker.segments[j]
            if turn.startFrame < burst.startFrame && turn.endFrame > burst.endFrame {
                timeline.events.append(ConversationEvent(kind: .backchannel, party: listener.party, startFrame: burst.startFrame, endFrame: burst.endFrame))
            }
        }
    }

    // MARK: - Response gaps

    /// Gaps from each of `speaker`'s turn ends to `responder`'s next turn start, when the responder
    /// speaks next (before the speaker resumes) and was not already talking.
    static func responseGaps(from speaker: [SpeechSegment], to responder: [SpeechSegment]) -> [Int] {
        var gaps: [Int] = []
        var r = 0
        for (index, turn) in speaker.enumerated() {
            while r < responder.count && responder[r].startFrame < turn.endFrame { r += 1 }
            guard r < responder.count else { break }
            // Responder already talking across the turn's end: overtalk, not a reply.
            if r > 0 && responder[r - 1].endFrame > turn.endFrame { continue }
            let speakerResumes = index + 1 < speaker.count && speaker[index + 1].startFrame < responder[r].startFrame
            if !speakerResumes { gaps.append(responder[r].startFrame - turn.endFrame) }
        }
        return gaps
    }
}
