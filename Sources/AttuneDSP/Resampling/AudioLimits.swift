/// What audio Attune accepts, in one place: files (`AudioFileReader` checks a header against these
/// before anything is allocated for it), the resampler (`PolyphaseResampler.supports`) and, through
/// `SignalEngine.supports`, live streams.
///
/// Each limit is far beyond any real call and far below what would let one input take the
/// machine: a header may claim anything, so nothing is sized from a claim these limits do not bound.
public enum AudioLimits {
    /// Sample rates accepted (Hz): from the 8 kHz analysis rate (narrowband telephony) to 192 kHz
    /// (the highest rate studio interfaces and recorders offer). Within the range a rate must also
    /// be in a simple ratio to 8 kHz (`PolyphaseResampler.supports`); 8, 11.025, 16, 22.05, 24, 32,
    /// 44.1, 48, 88.2, 96, 176.4 and 192 kHz all are.
    ///
    /// The bound matters because the resampler's filter grows with the input rate: within this range
    /// its worst case (191.792 kHz) is a 1.4 MB filter bank built from a 2.8 MB prototype per channel
    /// (`PolyphaseResampler.maximumCoefficientCount` caps it), while a header claiming
    /// 2,147,483,640 Hz would ask for 12.6 GB.
    public static let sampleRatesHz: ClosedRange<Int> = 8_000...192_000

    /// What a sample rate must be, in words, for messages: "8000–192000 Hz in a simple ratio to
    /// 8000 Hz (e.g. 8, 11.025, 16, 22.05, 32, 44.1 or 48 kHz)".
    public static let sampleRateRequirement =
        "\(sampleRatesHz.lowerBound)–\(sampleRatesHz.upperBound) Hz in a simple ratio to 8000 Hz (e.g. 8, 11.025, 16, 22.05, 32, 44.1 or 48 kHz)"

    /// Channel counts accepted: mono, or stereo with one party per channel.
    public static let channelCounts: ClosedRange<Int> = 1...2

    /// The longest recording accepted (s): 24 hours. Analysis time grows with length, so this also
    /// bounds the time one file can take (a few kilobytes of FLAC can declare, and decode to, days
    /// of audio).
    public static let maximumDurationSeconds = 24 * 3600

    /// The largest sample magnitude accepted, on the ±1 full scale samples are read on: 10,000
    /// (80 dB over full scale).
    ///
    /// Integer encodings cannot exceed ±1; float files can hold anything, including values such as
    /// 1e18 (a flipped exponent bit) whose squares overflow 32-bit float sums downstream and end in
    /// NaN. Real float recordings stay within a few times full scale (a loud over is +6 to +24 dB);
    /// 10,000 leaves more than 50 dB of headroom above that while keeping every power the analysis
    /// forms (a 512-point spectrum of such samples: (512 × 10⁴)² ≈ 2.6·10¹³) more than 25 orders of
    /// magnitude below `Float.greatestFiniteMagnitude` (3.4·10³⁸).
    public static let maximumSampleMagnitude: Float = 10_000
}
