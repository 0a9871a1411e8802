import Testing

@testable import AttuneDSP

/// Segment building and the conversation rules of DESIGN §3, on hand-made timelines.
@Suite struct TurnTests {
    /// Frames from seconds.
    static func f(_ seconds: Double) -> Int { AnalysisGrid.frames(seconds: seconds) }
    static func segment(_ start: Double, _ end: Double) -> SpeechSegment { SpeechSegment(startFrame: f(start), endFrame: f(end)) }

    static func build(_ speech: [(Double, Double)], until end: Double) -> [SpeechSegment] {
        var builder = SegmentBuilder(configuration: TurnConfiguration())
        for frame in 0..<f(end) {
            let t = AnalysisGrid.seconds(frames: frame)
            let isSpeech = speech.contains { t >= $0.0 && t < $0.1 - 1e-9 }
            builder.push(frame: frame, isSpeech: isSpeech, isVoiced: isSpeech, power: 0.01)
        }
        builder.finish()
        return builder.segments
    }

    @Test func gapsShorterThanThreeHundredMillisecondsAreMerged() {
        let segments = Self.build([(1.0, 2.0), (2.29, 3.0), (3.3, 4.0)], until: 6)
        #expect(segments.map(\.startFrame) == [100, 330])
        #expect(segments.map(\.endFrame) == [300, 400])
    }

    @Test func segmentsShorterThanOneHundredMillisecondsAreDropped() {
        let segments = Self.build([(1.0, 1.09), (2.0, 2.10)], until: 4)
        #expect(segments.map(\.startFrame) == [200])
    }

    static func analyze(advisor: [SpeechSegment], customer: [SpeechSegment], total: Double = 60) -> ConversationTimeline {
        ConversationAnalysis.analyze(
            turns: [(.advisor, advisor), (.customer, customer)], totalFrames: f(total), configuration: TurnConfiguration())
    }

    @Test func cuttingInMidTurnAndTakingTheFloorIsAnInterruption() {
        // Advisor talks 2 s, customer cuts in, advisor stops 0.6 s later.
        let timeline = Self.analyze(advisor: [Self.segment(1, 3.6)], customer: [Self.segment(3, 6)])
        #expect(timeline.count(.overtalk) == 1)
        #expect(timeline.count(.interruption, by: .customer) == 1)
        #expect(timeline.count(.backchannel) == 0)
        #expect(timeline.overtalkFrames == Self.f(0.6))
    }

    @Test func aShortBurstInsideAContinuingTurnIsABackchannelNotAnInterruption() {
        let timeline = Self.analyze(advisor: [Self.segment(1, 8)], customer: [Self.segment(3, 3.5)])
        #expect(timeline.count(.backchannel, by: .customer) == 1)
        #expect(timeline.count(.interruption) == 0)
        #expect(timeline.count(.overtalk, by: .customer) == 1)
    }

    @Test func overtalkWithoutTheOtherStoppingIsNotAnInterruption() {
        // Advisor carries on for 3 s after the customer starts: not stopped within 2 s.
        let carriesOn = Self.analyze(advisor: [Self.segment(1, 6)], customer: [Self.segment(3, 8)])
        #expect(carriesOn.count(.overtalk) == 1)
        #expect(carriesOn.count(.interruption) == 0)
        // Advisor had spoken only 0.5 s: not mid-turn.
        let tooEarly = Self.analyze(advisor: [Self.segment(1, 2)], customer: [Self.segment(1.5, 4)])
        #expect(tooEarly.count(.interruption) == 0)
        #expect(tooEarly.count(.overtalk, by: .customer) == 1)
    }

    @Test func shortOverlapsCountAsOvertalkTimeButAreNotEvents() {
        let timeline = Self.analyze(advisor: [Self.segment(1, 3.2)], customer: [Self.segment(3.0, 5)])
        #expect(timeline.overtalkFrames == Self.f(0.2))
        #expect(timeline.count(.overtalk) == 0)
    }

    @Test func silencesOfThreeSecondsOrMoreBetweenTurnsAreDeadAir() {
        let timeline = Self.analyze(
            advisor: [Self.segment(1, 3), Self.segment(12, 14)], customer: [Self.segment(5, 9), Self.segment(16, 18)], total: 20)
        // 3→5 (2 s) is ordinary silence; 9→12 (3 s) is dead air; 14→16 (2 s) ordinary.
        #expect(timeline.events.filter { $0.kind == .deadAir }.map { [$0.startFrame, $0.endFrame] } == [[900, 1200]])
        #expect(timeline.deadAirFrames == 300)
        #expect(timeline.silenceFrames == Self.f(20 - 2 - 2 - 4 - 2))
    }

    @Test func responseGapsMeasureTheReplyNotThePauseWithinATurn() {
        let timeline = Self.analyze(
            advisor: [Self.segment(1, 3), Self.segment(3.5, 5), Self.segment(9, 10)],
            customer: [Self.segment(5.8, 8)])
        // The customer replies 0.8 s after the advisor's second turn; the advisor replies 1 s after the customer.
        #expect(timeline.responseGapFrames[.customer] == [Self.f(0.8)])
        #expect(timeline.responseGapFrames[.advisor] == [Self.f(1.0)])
    }
}

@Suite struct SpeechDecisionTests {
    static func run(_ scores: [Float], configuration: VoiceActivityConfiguration = VoiceActivityConfiguration()) -> [Bool] {
        var decision = SpeechDecision(configuration: configuration)
        var out: [Bool] = []
        for score in scores { if let d = decision.push(score: score) { out.append(d) } }
        decision.drain { out.append($0) }
        return out
    }

    @Test func onsetIsTracedBackOverFramesAboveTheOffsetThreshold() {
        // Onset at frame 12, preceded by two frames above the offset (1.5) but below onset (3).
        let scores: [Float] = Array(repeating: 0, count: 10) + [2, 2, 5, 5, 5] + Array(repeating: 0, count: 20)
        let decisions = Self.run(scores)
        #expect(decisions.count == scores.count)
        #expect(decisions.firstIndex(of: true) == 10)
    }

    @Test func speechIsHeldForTheHangoverThenEnds() {
        let scores: [Float] = Array(repeating: 5, count: 10) + Array(repeating: 0, count: 20)
        #expect(Self.run(scores).lastIndex(of: true) == 9, "no hangover by default")
        var configuration = VoiceActivityConfiguration()
        configuration.hangoverSeconds = 0.02  // 2 frames
        #expect(Self.run(scores, configuration: configuration).lastIndex(of: true) == 11)
    }

    /// On a noisy line both edges widen: onsets reach back over hidden frames whatever their
    /// score, and speech is held over the hidden tail.
    @Test func hiddenEdgesWidenSpeechOnBothSides() {
        let scores: [Float] = Array(repeating: 0, count: 20) + Array(repeating: 5, count: 10) + Array(repeating: 0, count: 20)
        var decision = SpeechDecision(configuration: VoiceActivityConfiguration())
        decision.setHiddenEdgeFrames(onset: 3, tail: 4)
        var out: [Bool] = []
        for score in scores { if let d = decision.push(score: score) { out.append(d) } }
        decision.drain { out.append($0) }
        #expect(out.firstIndex(of: true) == 17)
        #expect(out.lastIndex(of: true) == 33)
    }

    @Test func scoresBelowTheOnsetNeverStartSpeech() {
        #expect(!Self.run(Array(repeating: 2.9, count: 50)).contains(true))
    }
}
