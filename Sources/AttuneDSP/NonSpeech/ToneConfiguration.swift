/// Keypad digits (DTMF, ITU-T Q.23/Q.24) and call-progress tones (ringback, busy, reorder, dial,
/// SIT) heard on a channel (`ToneDetector`).
///
/// Levels are in dBFS as elsewhere in the engine: mean-square power in dB, so a full-scale sine
/// reads −3 dBFS. Shares are of a frame's power between 250 and 3500 Hz (its band power).
public struct ToneConfiguration: Sendable, Equatable, Hashable {
    // MARK: DTMF

    /// Shortest DTMF digit reported (s, 0.02–0.2), timed from the frames' energy (a digit of
    /// 40 ms reads 36–41 ms, one of 23 ms 20–24 ms, at 15 dB SNR on a μ-law line). Default 0.03 s:
    /// ITU-T Q.24 (and the AT&T receiver spec) asks that digits of 40 ms or more register and
    /// those of 23 ms or less do not.
    public var dtmfMinimumSeconds = 0.03
    /// Whether reports carry each keypad digit's value (1) or only that a key was pressed and when
    /// (0). Default 0: card numbers and PINs are typed on keypads, so the value never leaves the
    /// engine unless a centre turns this on.
    public var revealDtmfDigits = 0.0
    /// Largest deviation of either DTMF tone from its nominal frequency (fraction, 0.015–0.035).
    /// Default 0.025: Q.24 asks that tones within ±1.5 % register and those ±3.5 % off do not.
    public var dtmfFrequencyTolerance = 0.025
    /// Normal twist: how much louder the low-group (row) tone may be than the high-group (column)
    /// tone (dB, 0–12). Default 8 dB (Q.24, AT&T). Applied with 1 dB to spare for measurement, so
    /// a pair at the limit registers.
    public var dtmfMaximumTwistDb = 8.0
    /// Reverse twist: how much louder the high-group tone may be than the low-group tone (dB, 0–12).
    /// Default 4 dB (Q.24, AT&T), also with 1 dB to spare.
    public var dtmfMaximumReverseTwistDb = 4.0
    /// Share of a frame's in-band power that the two tones must hold (ratio, 0.5–0.99). Default
    /// 0.75: a pair with white noise 15 dB below it holds about 0.95; voiced speech and music far less.
    public var dtmfMinimumToneShare = 0.75
    /// Every other spectral peak in the band must be at least this far below the weaker tone's
    /// peak (dB, 0–30). Default 12 dB: Q.24 receivers reject a pair with a strong third tone.
    public var dtmfMinimumPeakContrastDb = 12.0

    // MARK: Both

    /// Quietest tone looked at: each DTMF tone; a call-progress tone's one or two tones together
    /// (dBFS, −70…−20). Default −45 dBFS (Q.24 receivers work down to about −30 dBm0 per tone,
    /// about −36 dBFS on this scale).
    public var toneMinimumLevelDBFS = -45.0

    // MARK: Call progress

    /// Shortest call-progress tone reported (s, 0.18–10), timed between its −6 dB points to
    /// within 10 ms. Default 0.2 s, so that the shortest cadences in use (reorder at 0.25 s on, SIT
    /// segments at 0.27 s) register. Values under 0.18 s act as 0.18 s, the time the tone's
    /// frequencies take to measure.
    public var callProgressMinimumSeconds = 0.2
    /// Share of a frame's in-band power that a call-progress tone's one or two spectral lobes must
    /// hold (ratio, 0.5–0.99). Default 0.85: a tone with white noise 10 dB below it holds about
    /// 0.9; a voice, a chord or hold music far less.
    public var toneMinimumShare = 0.85
    /// Lowest frequency of a call-progress tone (Hz, 250–1000). Default 300 Hz.
    public var callProgressLowestHz = 300.0
    /// Highest frequency of a call-progress tone (Hz, 500–3400). Default 2000 Hz (SIT's highest
    /// segment is 1777 Hz).
    public var callProgressHighestHz = 2000.0
    /// How far a call-progress tone's spectral centroid, or each of its spectral peaks, may move
    /// from its first frames' within one run (fraction, 0.005–0.05). Default 0.02: steady tones
    /// move under 0.5 % (two close tones beating inside a frame, about 1 %); a voice's harmonics
    /// glide several per cent per 0.1 s.
    public var callProgressFrequencyTolerance = 0.02
    /// Two tones that are harmonics of one fundamental at or above this frequency are a voice or
    /// an instrument, not a call-progress tone (Hz, 50–200); so is a single tone with the harmonic
    /// neighbours of such a fundamental. Default 90 Hz: no dual call-progress tone in use (350+440,
    /// 400+450, 440+480, 480+620 Hz) is such a pair.
    public var callProgressHarmonicFloorHz = 90.0

    public init() {}
}
