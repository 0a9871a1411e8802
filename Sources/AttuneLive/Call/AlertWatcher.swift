import AttuneDSP
import AttunePipeline
import AttuneScoring

/// Finds alert causes the moment they hold, from the analyzer's cheap per-chunk state, and
/// throttles each cause: the same cause is not raised again within `throttleFrames` of stream time.
///
/// - Dead air: the silence since either party last spoke reaches the dead-air threshold (once per
///   silence, and only after someone has spoken: a call's first seconds of ringing are not dead air;
///   never while a channel plays hold music or a looped announcement).
/// - Interruption: a new interruption event once the turns that make it are closed.
/// - Raised voice: the customer's level runs the spike threshold above their own baseline for the
///   minimum time (the advisor's raised voice is not an alert).
/// - Distress high: the customer's moving distress turns high.
struct AlertWatcher: Sendable {
    struct Found: Sendable, Equatable {
        var cause: LiveAlert.Cause
        var atSeconds: Double
        var streamSeconds: Double
        var party: Party?
        var message: String
    }

    private let parties: [Party]
    private let hearsBothParties: Bool
    private let deadAirMinimumFrames: Int
    private let throttleFrames: Int
    private var lastAlertFrame: [LiveAlert.Cause: Int] = [:]
    /// The silence (by the frame it started at) already alerted.
    private var alertedSilenceStart: Int?
    /// The last frame a channel played hold material: a silence after a hold starts there.
    private var lastHoldFrame = 0
    private var seenClosedSegments: [Int]
    private var seenInterruptions = 0
    private var seenCustomerSpikes = 0
    private var distressWasHigh = false

    init(layout: ChannelLayout, deadAirMinimumFrames: Int, throttleFrames: Int) {
        parties = layout.parties
        hearsBothParties = layout.channelCount == 2
        self.deadAirMinimumFrames = deadAirMinimumFrames
        self.throttleFrames = throttleFrames
        seenClosedSegments = [Int](repeating: 0, count: layout.parties.count)
    }

    /// The silence under way (frames): since either party last spoke; 0 while someone speaks,
    /// before anyone has spoken, during hold music or a loop, or when the parties are not on
    /// channels of their own.
    func silenceFrames(_ analyzer: CallAnalyzer) -> Int {
        guard hearsBothParties, !Self.playsHoldMaterial(analyzer, parties), let (decided, speechEnd) = speechEdge(analyzer) else { return 0 }
        let start = silenceStart(speechEnd: speechEnd)
        return start > 0 ? max(0, decided - start) : 0
    }

    /// Where the silence under way began: the later of the last speech and the last hold frame;
    /// 0 before anyone has spoken.
    private func silenceStart(speechEnd: Int) -> Int { speechEnd > 0 ? max(speechEnd, lastHoldFrame) : 0 }

    /// Whether a channel plays hold music or a looped announcement now.
    static func playsHoldMaterial(_ analyzer: CallAnalyzer, _ parties: [Party]) -> Bool {
        parties.contains { analyzer.liveState(of: $0)?.playsHoldMaterial ?? false }
    }

    /// (decided frames, one past the last speech frame of either party).
    private func speechEdge(_ analyzer: CallAnalyzer) -> (Int, Int)? {
        var decided = 0, lastEnd = 0
        for party in parties {
            guard let state = analyzer.liveState(of: party) else { return nil }
            decided = state.decidedFrames
            lastEnd = max(lastEnd, state.lastSpeechEndFrame)
        }
        return (decided, lastEnd)
    }

    /// Checks every cause after a pushed chunk; `emit` gets each alert that holds and is not throttled.
    mutating func check(_ analyzer: CallAnalyzer, _ emit: (Found) -> Void) {
        guard let (decided, speechEnd) = speechEdge(analyzer) else { return }
        // Dead air: not while a hold plays, and counted from its end after it.
        if Self.playsHoldMaterial(analyzer, parties) { lastHoldFrame = decided }
        let lastEnd = silenceStart(speechEnd: speechEnd)
        if hearsBothParties && lastEnd > 0 && decided - lastEnd >= deadAirMinimumFrames && alertedSilenceStart != lastEnd {
            alertedSilenceStart = lastEnd
            let seconds = AnalysisGrid.seconds(frames: deadAirMinimumFrames)
            raise(.deadAir, atFrame: lastEnd + deadAirMinimumFrames, decided: decided, party: nil,
                  message: "Dead air: \(Int(seconds.rounded())) s of silence", emit)
        }
        // Interruptions: only when a turn has closed since the last look.
        var turnClosed = false
        for (index, party) in parties.enumerated() {
            let closed = analyzer.liveState(of: party)?.closedSegmentCount ?? 0
            if closed != seenClosedSegments[index] {
                seenClosedSegments[index] = closed
                turnClosed = true
            }
        }
        if hearsBothParties && turnClosed {
            let interruptions = analyzer.provisionalReport().events(.interruption)
            for event in interruptions.dropFirst(seenInterruptions) {
                let who = switch event.party { case .advisor: "Advisor"; case .customer: "Customer"; default: "Someone" }
                raise(.interruption, atFrame: AnalysisGrid.frames(seconds: event.startSeconds), decided: decided, party: event.party,
                      message: "\(who) interrupted", emit)
            }
            seenInterruptions = max(seenInterruptions, interruptions.count)
        }
        // The customer's raised voice.
        if let spikes = analyzer.liveState(of: .customer)?.spikeCount, spikes > seenCustomerSpikes {
            seenCustomerSpikes = spikes
            raise(.raisedVoice, atFrame: decided, decided: decided, party: .customer, message: "Customer raised their voice", emit)
        }
        // The customer's distress turning high.
        if let moving = analyzer.movingDistressLevel {
            let isHigh = moving.level == .high
            if isHigh && !distressWasHigh {
                raise(.distressHigh, atFrame: AnalysisGrid.frames(seconds: moving.atSeconds), decided: decided, party: .customer,
                      message: "Customer sounds highly distressed", emit)
            }
            distressWasHigh = isHigh
        }
    }

    private mutating func raise(
        _ cause: LiveAlert.Cause, atFrame frame: Int, decided: Int, party: Party?, message: String, _ emit: (Found) -> Void
    ) {
        if let last = lastAlertFrame[cause], decided - last < throttleFrames { return }
        lastAlertFrame[cause] = decided
        emit(Found(cause: cause, atSeconds: AnalysisGrid.seconds(frames: frame), streamSeconds: AnalysisGrid.seconds(frames: decided), party: party, message: message))
    }
}
