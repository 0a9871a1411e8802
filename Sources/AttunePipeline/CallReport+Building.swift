internal import AttuneDSP

extension CallReport {
    /// Assembles the report from what the engine measured on each channel.
    init(
        callId: String, layout: ChannelLayout, sampleRateHz: Int, durationSeconds: Double, frameCount: Int,
        channels: [ChannelSummary], configuration: AnalysisConfiguration
    ) {
        let parties = layout.parties
        let totalFrames = min(frameCount, Int((durationSeconds * 100).rounded(.up)))
        let turns = zip(parties, channels).map { (party: $0, segments: $1.segments) }
        let timeline = ConversationAnalysis.analyze(
            turns: turns, sounds: channels.map(\.nonSpeechRuns), tones: channels.map(\.toneRuns), totalFrames: totalFrames, configuration: configuration.turns,
            holds: configuration.holds)

        var segments: [Segment] = []
        var events: [Event] = []
        var metrics = CallMetrics()
        for (party, channel) in zip(parties, channels) {
            let median = channel.levelMedianDBFS
            segments += channel.segments.map { segment in
                Segment(
                    party: party, startSeconds: segment.startSeconds, endSeconds: min(segment.endSeconds, durationSeconds),
                    levelDbRelative: median.map { rounded(segment.meanLevelDBFS - $0, places: 1) })
            }
            events += channel.spikes.map {
                Event(type: .energySpike, party: party, startSeconds: $0.startSeconds, endSeconds: min($0.endSeconds, durationSeconds),
                      peakDbAboveBaseline: rounded($0.peakDbAboveBaseline, places: 1))
            }
            for tone in channel.toneRuns {
                var event = Event(
                    type: tone.kind == .dtmf ? .dtmf : .tone, party: party, startSeconds: tone.startSeconds,
                    endSeconds: min(tone.endSeconds, durationSeconds))
                if tone.kind == .dtmf { event.digit = tone.digit.map(String.init) } else { event.frequenciesHz = tone.frequenciesHz.map { rounded($0, places: 0) } }
                events.append(event)
            }
            metrics[party] = PartyMetrics(
                channel: channel, party: party, timeline: timeline, durationSeconds: durationSeconds,
                hearsOtherParty: layout.channelCount == 2)
        }
        for event in timeline.events {
            let kind: Event.Kind = switch event.kind {
            case .overtalk: .overtalk
            case .interruption: .interruption
            case .backchannel: .backchannel
            case .deadAir: .deadAir
            case .hold: .hold
            }
            var reported = Event(
                type: kind, party: kind == .overtalk ? nil : event.party, initiator: kind == .overtalk ? event.party : nil,
                startSeconds: event.startSeconds, endSeconds: min(event.endSeconds, durationSeconds))
            reported.holdKind = event.holdKind?.rawValue
            events.append(reported)
        }
        segments.sort { ($0.startSeconds, $0.party.rawValue) < ($1.startSeconds, $1.party.rawValue) }
        events.sort { ($0.startSeconds, $0.type.rawValue, $0.endSeconds) < ($1.startSeconds, $1.type.rawValue, $1.endSeconds) }

        metrics.energySpikeCount = Double(channels.reduce(0) { $0 + $1.spikes.count })
        if layout.hearsBothParties {
            let silence = AnalysisGrid.seconds(frames: timeline.silenceFrames)
            let deadAir = AnalysisGrid.seconds(frames: timeline.deadAirFrames)
            metrics.silenceSeconds = silence
            metrics.silenceShare = share(silence, of: durationSeconds)
            metrics.deadAirSeconds = deadAir
            metrics.deadAirShare = share(deadAir, of: durationSeconds)
            metrics.deadAirCount = Double(timeline.count(.deadAir))
            metrics.longestDeadAirSeconds = AnalysisGrid.seconds(frames: timeline.events.filter { $0.kind == .deadAir }.map(\.frameCount).max() ?? 0)
        }
        let holds = timeline.events.filter { $0.kind == .hold }
        metrics.holdSeconds = AnalysisGrid.seconds(frames: timeline.holdFrames)
        metrics.holdCount = Double(holds.count)
        metrics.longestHoldSeconds = AnalysisGrid.seconds(frames: holds.map(\.frameCount).max() ?? 0)
        let tones = channels.flatMap(\.toneRuns)
        metrics.dtmfDigitCount = Double(tones.count { $0.kind == .dtmf })
        metrics.toneSeconds = AnalysisGrid.seconds(frames: tones.filter { $0.kind == .callProgress }.reduce(0) { $0 + $1.frameCount })
        if layout.channelCount == 2 {
            let overtalk = AnalysisGrid.seconds(frames: timeline.overtalkFrames)
            metrics.overtalkSeconds = overtalk
            metrics.overtalkShare = share(overtalk, of: durationSeconds)
            metrics.overtalkCount = Double(timeline.count(.overtalk))
            metrics.interruptionCount = Double(timeline.count(.interruption))
            metrics.backchannelCount = Double(timeline.count(.backchannel))
        }

        self.init(
            callId: callId, durationSeconds: rounded(durationSeconds, places: 3), sampleRateHz: sampleRateHz,
            channelLayout: layout.reportName, parties: parties, segments: segments, events: events, metrics: metrics,
            scores: nil, model: nil, engineVersion: AttuneEngine.version,
            configurationFingerprint: configuration.fingerprint)
    }
}

extension PartyMetrics {
    init(channel: ChannelSummary, party: Party, timeline: ConversationTimeline, durationSeconds: Double, hearsOtherParty: Bool) {
        self.init()
        let turnFrames = channel.segments.map(\.frameCount)
        let talk = AnalysisGrid.seconds(frames: turnFrames.reduce(0, +))
        talkSeconds = talk
        talkShare = share(talk, of: durationSeconds)
        turnCount = Double(turnFrames.count)
        meanTurnSeconds = turnFrames.isEmpty ? nil : rounded(talk / Double(turnFrames.count), places: 3)
        longestTurnSeconds = turnFrames.max().map { AnalysisGrid.seconds(frames: $0) }
        levelMedianDBFS = channel.levelMedianDBFS.map { rounded($0, places: 1) }
        if let low = channel.levelP10DBFS, let high = channel.levelP90DBFS { levelRangeDb = rounded(high - low, places: 1) }
        pitchMedianHz = channel.pitchMedianHz.map { rounded($0, places: 1) }
        pitchRangeSemitones = channel.pitchRangeSemitones.map { rounded($0, places: 2) }
        voicedShare = channel.speechFrameCount > 0 ? rounded(Double(channel.voicedFrameCount) / Double(channel.speechFrameCount), places: 3) : nil
        paceSyllablesPerSecond = talk > 0 ? rounded(Double(channel.syllablePeakCount) / talk, places: 2) : nil
        spectralCentroidHz = channel.centroidMeanHz.map { rounded($0, places: 0) }
        spectralTiltDb = channel.tiltMeanDb.map { rounded($0, places: 1) }
        energySpikes = Double(channel.spikes.count)
        energySpikesPerMinute = talk > 0 ? rounded(Double(channel.spikes.count) / (talk / 60), places: 2) : nil
        guard hearsOtherParty else { return }
        let gaps = (timeline.responseGapFrames[party] ?? []).sorted()
        responseCount = Double(gaps.count)
        if !gaps.isEmpty {
            responseGapMeanSeconds = rounded(AnalysisGrid.seconds(frames: gaps.reduce(0, +)) / Double(gaps.count), places: 3)
            responseGapMedianSeconds = AnalysisGrid.seconds(frames: gaps[gaps.count / 2])
            responseGapMaxSeconds = AnalysisGrid.seconds(frames: gaps[gaps.count - 1])
        }
        overtalkInitiated = Double(timeline.count(.overtalk, by: party))
        interruptionsMade = Double(timeline.count(.interruption, by: party))
        backchannels = Double(timeline.count(.backchannel, by: party))
    }
}

/// `part / whole`, rounded to 4 places; nil for an empty whole.
func share(_ part: Double, of whole: Double) -> Double? {
    whole > 0 ? rounded(part / whole, places: 4) : nil
}

/// `value` rounded to `places` decimals (reports round their figures; so do live updates).
public func rounded(_ value: Double, places: Int) -> Double {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    return (value * scale).rounded() / scale
}
