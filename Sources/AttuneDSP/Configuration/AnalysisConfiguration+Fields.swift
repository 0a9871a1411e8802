/// One setting of `AnalysisConfiguration`: its key, unit, meaning, allowed range and where it lives.
public struct ConfigurationField: Sendable {
    /// Dotted key, e.g. `turns.deadAirMinimumSeconds`.
    public let key: String
    /// Unit, e.g. `s`, `dB`, `dBFS`, `Hz`, or `ratio`.
    public let unit: String
    /// What it does, in a user's words.
    public let summary: String
    /// Values accepted.
    public let range: ClosedRange<Double>
    let keyPath: any WritableKeyPath<AnalysisConfiguration, Double> & Sendable

    /// The value in `configuration`.
    public func value(in configuration: AnalysisConfiguration) -> Double { configuration[keyPath: keyPath] }
}

/// A setting that does not exist or a value out of its range.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var message: String
    public var description: String { "\(key): \(message)" }
}

extension AnalysisConfiguration {
    /// Every setting, in the order `attune config` prints them.
    public static let fields: [ConfigurationField] = [
        .init(key: "voiceActivity.onsetThresholdDb", unit: "dB", summary: "mean band SNR at which speech starts", range: 0...30, keyPath: \.voiceActivity.onsetThresholdDb),
        .init(key: "voiceActivity.offsetThresholdDb", unit: "dB", summary: "mean band SNR below which speech ends", range: 0...30, keyPath: \.voiceActivity.offsetThresholdDb),
        .init(key: "voiceActivity.hangoverSeconds", unit: "s", summary: "speech held after the score falls below the offset", range: 0...0.5, keyPath: \.voiceActivity.hangoverSeconds),
        .init(key: "voiceActivity.hiddenOnsetSecondsPerDb", unit: "s/dB", summary: "onset extension per dB the line's SNR falls short of the edge depth", range: 0...0.01, keyPath: \.voiceActivity.hiddenOnsetSecondsPerDb),
        .init(key: "voiceActivity.hiddenTailSecondsPerDb", unit: "s/dB", summary: "tail extension per dB the line's SNR falls short of the edge depth", range: 0...0.01, keyPath: \.voiceActivity.hiddenTailSecondsPerDb),
        .init(key: "voiceActivity.hiddenEdgeDepthDb", unit: "dB", summary: "speech-to-noise ratio at and above which no word edge is hidden", range: 10...60, keyPath: \.voiceActivity.hiddenEdgeDepthDb),
        .init(key: "voiceActivity.lookbackSeconds", unit: "s", summary: "how far a speech onset is traced back (also the decision delay)", range: 0...0.3, keyPath: \.voiceActivity.lookbackSeconds),
        .init(key: "voiceActivity.minimumSpeechLevelDBFS", unit: "dBFS", summary: "quietest level that can be speech (telephone band)", range: -100...0, keyPath: \.voiceActivity.minimumSpeechLevelDBFS),
        .init(key: "voiceActivity.belowOwnSpeechLevelDb", unit: "dB", summary: "frames this far below the channel's own loud speech are not speech", range: 10...80, keyPath: \.voiceActivity.belowOwnSpeechLevelDb),
        .init(key: "voiceActivity.nearFieldMinimumProbability", unit: "ratio", summary: "frames less likely than this to be the channel's own talker (not a far voice in the room) are not speech; 0: off", range: 0...1, keyPath: \.voiceActivity.nearFieldMinimumProbability),
        .init(key: "voiceActivity.bleedRejectionDb", unit: "dB", summary: "energy this far below the other channel's is bleed, not speech", range: 0...60, keyPath: \.voiceActivity.bleedRejectionDb),
        .init(key: "voiceActivity.bleedMaximumDelaySeconds", unit: "s", summary: "longest echo/crosstalk delay looked for", range: 0...0.2, keyPath: \.voiceActivity.bleedMaximumDelaySeconds),
        .init(key: "voiceActivity.noiseFloorWindowSeconds", unit: "s", summary: "span of the per-band minimum-statistics noise tracker", range: 0.5...10, keyPath: \.voiceActivity.noiseFloorWindowSeconds),
        .init(key: "voiceActivity.noiseFloorBiasDb", unit: "dB", summary: "added to the tracked minimum to estimate mean noise", range: 0...10, keyPath: \.voiceActivity.noiseFloorBiasDb),
        .init(key: "voiceActivity.noiseFloorMinimumDBFS", unit: "dBFS", summary: "lowest noise floor assumed per band (digitally silent lines)", range: -120...(-40), keyPath: \.voiceActivity.noiseFloorMinimumDBFS),
        .init(key: "turns.mergeGapSeconds", unit: "s", summary: "speech closer than this is one turn", range: 0...2, keyPath: \.turns.mergeGapSeconds),
        .init(key: "turns.minimumSegmentSeconds", unit: "s", summary: "turns shorter than this are dropped", range: 0...1, keyPath: \.turns.minimumSegmentSeconds),
        .init(key: "turns.minimumVoicedShare", unit: "ratio", summary: "share of a turn's length that must be voiced (taps, rustle, breath are not)", range: 0...1, keyPath: \.turns.minimumVoicedShare),
        .init(key: "turns.deadAirMinimumSeconds", unit: "s", summary: "silence at least this long is dead air", range: 0.5...60, keyPath: \.turns.deadAirMinimumSeconds),
        .init(key: "turns.overtalkMinimumSeconds", unit: "s", summary: "both talking at least this long is an overtalk event", range: 0...5, keyPath: \.turns.overtalkMinimumSeconds),
        .init(key: "turns.interruptionPriorTalkSeconds", unit: "s", summary: "interruption: the other party had been talking at least this long", range: 0...10, keyPath: \.turns.interruptionPriorTalkSeconds),
        .init(key: "turns.interruptionStopWithinSeconds", unit: "s", summary: "interruption: the other party stops within this long", range: 0.1...10, keyPath: \.turns.interruptionStopWithinSeconds),
        .init(key: "turns.backchannelMaximumSeconds", unit: "s", summary: "a shorter burst inside the other's continuing turn is a backchannel", range: 0.1...5, keyPath: \.turns.backchannelMaximumSeconds),
        .init(key: "spikes.windowSeconds", unit: "s", summary: "short-term level window for raised voice", range: 0.05...2, keyPath: \.spikes.windowSeconds),
        .init(key: "spikes.baselinePercentile", unit: "fraction", summary: "which percentile of the party's short-term speech levels is their baseline", range: 0.1...0.99, keyPath: \.spikes.baselinePercentile),
        .init(key: "spikes.thresholdDb", unit: "dB", summary: "level above the party's own speech baseline that is raised", range: 1...30, keyPath: \.spikes.thresholdDb),
        .init(key: "spikes.minimumSeconds", unit: "s", summary: "shortest raised run reported", range: 0...5, keyPath: \.spikes.minimumSeconds),
        .init(key: "spikes.baselineMinimumSpeechSeconds", unit: "s", summary: "speech needed before the baseline is trusted", range: 0...60, keyPath: \.spikes.baselineMinimumSpeechSeconds),
        .init(key: "spikes.baselineExclusionDb", unit: "dB", summary: "frames this far above the baseline stay out of it (raised phrases do not drag it up)", range: 1...30, keyPath: \.spikes.baselineExclusionDb),
        .init(key: "spikes.minimumPitchRiseSemitones", unit: "st", summary: "a shorter raised run's pitch must be this far above the party's own (when known)", range: 0...12, keyPath: \.spikes.minimumPitchRiseSemitones),
        .init(key: "spikes.minimumBrightnessRiseHz", unit: "Hz", summary: "a shorter raised run's spectral centroid must be this far above the party's own", range: 0...1000, keyPath: \.spikes.minimumBrightnessRiseHz),
        .init(key: "spikes.sustainedSeconds", unit: "s", summary: "a loud run this long is raised voice on level alone (a phrase, not a stressed word)", range: 0.3...10, keyPath: \.spikes.sustainedSeconds),
        .init(key: "pitch.minimumHz", unit: "Hz", summary: "lowest F0 searched", range: 40...200, keyPath: \.pitch.minimumHz),
        .init(key: "pitch.maximumHz", unit: "Hz", summary: "highest F0 searched", range: 200...1000, keyPath: \.pitch.maximumHz),
        .init(key: "pitch.voicingThreshold", unit: "ratio", summary: "normalised autocorrelation needed to call a frame voiced", range: 0...1, keyPath: \.pitch.voicingThreshold),
        .init(key: "pitch.statisticsVoicingThreshold", unit: "ratio", summary: "periodicity needed for a frame's pitch to enter the pitch median and range", range: 0...1, keyPath: \.pitch.statisticsVoicingThreshold),
        .init(key: "distressCues.windowSeconds", unit: "s", summary: "moving window of the live distress value", range: 5...120, keyPath: \.distressCues.windowSeconds),
        .init(key: "distressCues.baselineSpeechSeconds", unit: "s", summary: "the customer's first this-much speech is their baseline", range: 5...120, keyPath: \.distressCues.baselineSpeechSeconds),
        .init(key: "distressCues.minimumBaselineSeconds", unit: "s", summary: "no distress value before the baseline holds this much speech", range: 2...60, keyPath: \.distressCues.minimumBaselineSeconds),
        .init(key: "distressCues.minimumWindowSpeechSeconds", unit: "s", summary: "no distress value from a window with less speech", range: 1...60, keyPath: \.distressCues.minimumWindowSpeechSeconds),
        .init(key: "pace.peakProminenceDb", unit: "dB", summary: "rise and fall around a syllable peak", range: 0.5...20, keyPath: \.pace.peakProminenceDb),
        .init(key: "pace.minimumPeakSpacingSeconds", unit: "s", summary: "closest two syllable peaks may be", range: 0.02...1, keyPath: \.pace.minimumPeakSpacingSeconds),
        .init(key: "tones.revealDtmfDigits", unit: "0/1", summary: "1: reports carry each keypad digit's value; 0 (default): only that a key was pressed, and when", range: 0...1, keyPath: \.tones.revealDtmfDigits),
        .init(key: "tones.dtmfMinimumSeconds", unit: "s", summary: "shortest keypad digit reported (ITU-T Q.24: 40 ms register, 23 ms do not)", range: 0.02...0.2, keyPath: \.tones.dtmfMinimumSeconds),
        .init(key: "tones.dtmfFrequencyTolerance", unit: "ratio", summary: "largest deviation of a DTMF tone from its nominal frequency", range: 0.015...0.035, keyPath: \.tones.dtmfFrequencyTolerance),
        .init(key: "tones.dtmfMaximumTwistDb", unit: "dB", summary: "how much louder the row tone may be than the column tone", range: 0...12, keyPath: \.tones.dtmfMaximumTwistDb),
        .init(key: "tones.dtmfMaximumReverseTwistDb", unit: "dB", summary: "how much louder the column tone may be than the row tone", range: 0...12, keyPath: \.tones.dtmfMaximumReverseTwistDb),
        .init(key: "tones.dtmfMinimumToneShare", unit: "ratio", summary: "share of a frame's band power the two DTMF tones must hold", range: 0.5...0.99, keyPath: \.tones.dtmfMinimumToneShare),
        .init(key: "tones.dtmfMinimumPeakContrastDb", unit: "dB", summary: "every other spectral peak at least this far below the weaker DTMF tone", range: 0...30, keyPath: \.tones.dtmfMinimumPeakContrastDb),
        .init(key: "tones.toneMinimumLevelDBFS", unit: "dBFS", summary: "quietest tone looked at (DTMF: each tone; call progress: the tones together)", range: -70...(-20), keyPath: \.tones.toneMinimumLevelDBFS),
        .init(key: "tones.callProgressMinimumSeconds", unit: "s", summary: "shortest call-progress tone (ringback, busy, reorder, dial, SIT) reported", range: 0.18...10, keyPath: \.tones.callProgressMinimumSeconds),
        .init(key: "tones.toneMinimumShare", unit: "ratio", summary: "share of a frame's band power a call-progress tone's one or two lobes must hold", range: 0.5...0.99, keyPath: \.tones.toneMinimumShare),
        .init(key: "tones.callProgressLowestHz", unit: "Hz", summary: "lowest frequency of a call-progress tone", range: 250...1000, keyPath: \.tones.callProgressLowestHz),
        .init(key: "tones.callProgressHighestHz", unit: "Hz", summary: "highest frequency of a call-progress tone", range: 500...3400, keyPath: \.tones.callProgressHighestHz),
        .init(key: "tones.callProgressFrequencyTolerance", unit: "ratio", summary: "how far a call-progress tone's frequencies may move within one run", range: 0.005...0.05, keyPath: \.tones.callProgressFrequencyTolerance),
        .init(key: "tones.callProgressHarmonicFloorHz", unit: "Hz", summary: "two tones that are harmonics of a fundamental at or above this are a voice or instrument", range: 50...200, keyPath: \.tones.callProgressHarmonicFloorHz),
        .init(key: "holds.detectsHolds", unit: "0/1", summary: "1: look for music, looped announcements and muted lines; 0: never (nothing is a hold)", range: 0...1, keyPath: \.holds.detectsHolds),
        .init(key: "holds.musicPeakPersistence", unit: "ratio", summary: "share of spectral-peak power held from 50 ms earlier, averaged over the window, that sounds like music", range: 0.3...0.95, keyPath: \.holds.musicPeakPersistence),
        .init(key: "holds.musicWindowSeconds", unit: "s", summary: "window the music persistence is averaged over", range: 0.5...5, keyPath: \.holds.musicWindowSeconds),
        .init(key: "holds.musicConfirmSeconds", unit: "s", summary: "music is reported once the window sounds like music this long", range: 0.2...10, keyPath: \.holds.musicConfirmSeconds),
        .init(key: "holds.musicMinimumLevelDBFS", unit: "dBFS", summary: "frames quieter than this are not looked at for music", range: -90...(-20), keyPath: \.holds.musicMinimumLevelDBFS),
        .init(key: "holds.steadySoundConfirmSeconds", unit: "s", summary: "music that never pauses (drums, a busy mix) counts after 3 s and this long more", range: 2...60, keyPath: \.holds.steadySoundConfirmSeconds),
        .init(key: "holds.announcementMinimumPeriodSeconds", unit: "s", summary: "shortest repeat period of a looped announcement", range: 1...30, keyPath: \.holds.announcementMinimumPeriodSeconds),
        .init(key: "holds.announcementMaximumPeriodSeconds", unit: "s", summary: "longest repeat period of a looped announcement (memory grows with it)", range: 5...60, keyPath: \.holds.announcementMaximumPeriodSeconds),
        .init(key: "holds.announcementMaximumDistanceDb", unit: "dB", summary: "mean band-level difference under which two 100 ms stretches are the same audio", range: 0.5...10, keyPath: \.holds.announcementMaximumDistanceDb),
        .init(key: "holds.announcementConfirmSeconds", unit: "s", summary: "repeated audio counts as a loop once it repeats this long", range: 0.3...5, keyPath: \.holds.announcementConfirmSeconds),
        .init(key: "holds.mutedDropDb", unit: "dB", summary: "a line this far below its usual noise is muted (silent hold)", range: 6...60, keyPath: \.holds.mutedDropDb),
        .init(key: "holds.minimumSeconds", unit: "s", summary: "shortest hold", range: 1...120, keyPath: \.holds.minimumSeconds),
        .init(key: "holds.mergeGapSeconds", unit: "s", summary: "hold material this close, without talk between on its channel, is one hold", range: 0...60, keyPath: \.holds.mergeGapSeconds),
        .init(key: "holds.silentHoldIsDeadAir", unit: "0/1", summary: "1: a silent hold (muted line) also counts as dead air; 0: only as a hold", range: 0...1, keyPath: \.holds.silentHoldIsDeadAir),
    ]

    /// Sets `key` to `value`, checking the key exists and the value is in range.
    public mutating func set(_ key: String, to value: Double) throws(ConfigurationError) {
        guard let field = Self.fields.first(where: { $0.key == key }) else {
            throw ConfigurationError(key: key, message: "no such setting (see `attune config`)")
        }
        guard value.isFinite, field.range.contains(value) else {
            throw ConfigurationError(key: key, message: "\(value) is outside \(field.range.lowerBound)…\(field.range.upperBound) \(field.unit)")
        }
        self[keyPath: field.keyPath] = value
    }

    /// Checks every field's range and the relations between fields.
    public func validate() throws(ConfigurationError) {
        for field in Self.fields {
            let value = field.value(in: self)
            guard value.isFinite, field.range.contains(value) else {
                throw ConfigurationError(key: field.key, message: "\(value) is outside \(field.range.lowerBound)…\(field.range.upperBound) \(field.unit)")
            }
        }
        if voiceActivity.offsetThresholdDb > voiceActivity.onsetThresholdDb {
            throw ConfigurationError(key: "voiceActivity.offsetThresholdDb", message: "must not exceed voiceActivity.onsetThresholdDb")
        }
        if holds.announcementMinimumPeriodSeconds >= holds.announcementMaximumPeriodSeconds {
            throw ConfigurationError(key: "holds.announcementMinimumPeriodSeconds", message: "must be less than holds.announcementMaximumPeriodSeconds")
        }
        if pitch.minimumHz * 2 > pitch.maximumHz {
            throw ConfigurationError(key: "pitch.maximumHz", message: "must be at least twice pitch.minimumHz")
        }
    }

    /// A short, stable fingerprint of the settings (hex), so results can record what produced them.
    public var fingerprint: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a over the fields in table order
        for field in Self.fields {
            for byte in withUnsafeBytes(of: field.value(in: self).bitPattern.littleEndian, Array.init) {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
