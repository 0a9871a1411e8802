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
        /// The customer waiting on hold: music, a looped announcement or a muted line (`holdKind`);
        /// `party` is who placed it (whose channel carried it), nil on a mono mix.
        case hold
    }
    /// What a hold sounded like to the one waiting.
    public enum HoldKind: String, Sendable, Hashable, CaseIterable {
        case music, announcement, silent
    }
    public var kind: Kind
    public var party: Party?
    public var startFrame: Int
    public var endFrame: Int
    /// `hold` only.
    public var holdKind: HoldKind?

    public init(kind: Kind, party: Party?, startFrame: Int, endFrame: Int, holdKind: HoldKind? = nil) {
        self.kind = kind
        self.party = party
        self.startFrame = startFrame
        self.endFrame = endFrame
        self.holdKind = holdKind
    }

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
    /// Frames on hold (every `hold` event).
    public var holdFrames = 0
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
    ///   - sounds: per entry of `turns`, what its channel carried besides talk (music, loops, a
    ///     muted line), in order of start; empty when not measured.
    ///   - tones: per entry of `turns`, its keypad digits and call-progress tones: neither talk
    ///     nor silence, so never dead air either.
    ///   - totalFrames: the call's length in frames.
    public static func analyze(
        turns: [(party: Party, segments: [SpeechSegment])], sounds: [[NonSpeechRun]] = [], tones: [[ToneRun]] = [], totalFrames: Int,
        configuration: TurnConfiguration, holds: HoldConfiguration = HoldConfiguration()
    ) -> ConversationTimeline {
        var timeline = ConversationTimeline()
        for (index, channel) in turns.enumerated() where index < sounds.count {
            addHolds(placedBy: channel.party == .mixed ? nil : channel.party, talk: channel.segments, sounds: sounds[index], configuration: holds, to: &timeline)
        }
        let toneRanges = FrameIntervals.merged(tones.flatMap { $0.map { $0.startFrame..<$0.endFrame } })
        addSilence(turns.map(\.segments), tones: toneRanges, totalFrames: totalFrames, configuration: configuration, holds: holds, to: &timeline)
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

    /// Silence is time when nobody talks and nothing is played (a music or announcement hold, a
    /// tone or a keypad digit is not silence; a silent hold is). Dead air is a silence between
    /// turns of at least the minimum, leaving out holds (silent holds too, when
    /// `silentHoldIsDeadAir` is 0) and tones.
    private static func addSilence(
        _ channels: [[SpeechSegment]], tones: [Range<Int>], totalFrames: Int, configuration: TurnConfiguration, holds: HoldConfiguration,
        to timeline: inout ConversationTimeline
    ) {
        let union = unionOf(channels)
        let holdEvents = timeline.events.filter { $0.kind == .hold }
        let played = holdEvents.filter { $0.holdKind != .silent }.map { $0.startFrame..<$0.endFrame }
        let sounding = FrameIntervals.merged(union.map { $0.startFrame..<$0.endFrame } + played + tones)
        timeline.silenceFrames = max(0, totalFrames - FrameIntervals.total(sounding))
        let notDeadAir = FrameIntervals.merged(
            holdEvents.filter { $0.holdKind != .silent || holds.silentHoldIsDeadAir < 0.5 }.map { $0.startFrame..<$0.endFrame } + tones)
        let minimum = AnalysisGrid.frames(seconds: configuration.deadAirMinimumSeconds)
        for (before, after) in zip(union, union.dropFirst()) where after.startFrame - before.endFrame >= minimum {
            let gap = SpeechSegment(startFrame: before.endFrame, endFrame: after.startFrame)
            for piece in FrameIntervals.subtract(notDeadAir, from: [gap], minimumFrames: minimum) {
                timeline.events.append(ConversationEvent(kind: .deadAir, party: nil, startFrame: piece.startFrame, endFrame: piece.endFrame))
                timeline.deadAirFrames += piece.frameCount
            }
        }
    }

    // MARK: - Holds

    /// Joins one channel's music, loops and muted stretches into holds: pieces at most
    /// `mergeGapSeconds` apart with no talk on that channel between are one hold; a hold lasts at
    /// least `minimumSeconds`, and its kind is what most of it was. A hold ending in a loop lasts
    /// until the loop would have played again, or until the next talk on the channel if sooner.
    private static func addHolds(
        placedBy party: Party?, talk: [SpeechSegment], sounds: [NonSpeechRun], configuration: HoldConfiguration,
        to timeline: inout ConversationTimeline
    ) {
        let mergeGap = AnalysisGrid.frames(seconds: configuration.mergeGapSeconds)
        let minimum = AnalysisGrid.frames(seconds: configuration.minimumSeconds)
        let talkRanges = talk.map { $0.startFrame..<$0.endFrame }
        var group: (start: Int, end: Int, frames: [NonSpeechRun.Kind: Int], waitsUntil: Int?)?
        func flush() {
            guard var g = group else { return }
            if let waitsUntil = g.waitsUntil, waitsUntil > g.end {
                let nextTalk = talk.first { $0.endFrame > g.end }?.startFrame ?? waitsUntil
                g.end = max(g.end, min(waitsUntil, nextTalk))
            }
            guard g.end - g.start >= minimum else { return }
            let music = g.frames[.music] ?? 0, announcement = g.frames[.announcement] ?? 0, muted = g.frames[.muted] ?? 0
            let kind: ConversationEvent.HoldKind = muted > music + announcement ? .silent : music >= announcement ? .music : .announcement
            timeline.events.append(ConversationEvent(kind: .hold, party: party, startFrame: g.start, endFrame: g.end, holdKind: kind))
            timeline.holdFrames += g.end - g.start
        }
        for run in sounds.sorted(by: { $0.startFrame < $1.startFrame }) {
            if var g = group, run.startFrame - g.end <= mergeGap,
               run.startFrame <= g.end || !FrameIntervals.overlaps(g.end..<run.startFrame, talkRanges) {
                if run.endFrame >= g.end { g.waitsUntil = run.waitsUntilFrame }
                g.end = max(g.end, run.endFrame)
                g.frames[run.kind, default: 0] += run.frameCount
                group = g
            } else {
                flush()
                group = (run.startFrame, run.endFrame, [run.kind: run.frameCount], run.waitsUntilFrame)
            }
        }
        flush()
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
