/// Scores how much one frame of one channel looks like that channel's own speech: the mean over
/// bands of the positive band SNR (dB), where the "noise" is the channel's noise floor plus the
/// bleed the other channel could be causing.
///
/// Bleed and echo are, to a first approximation, a delayed and filtered copy of the other party,
/// 15–30 dB down. So in each band, energy up to `bleedRejectionDb` below the other channel's
/// loudest recent frame (over the echo delays) is treated as bleed and not counted as speech.
/// A real overtalking voice is as loud as the other party, far above that allowance.
struct SpeechScorer: Sendable {
    private let bleedFactor: Float
    private let minimumLevelDBFS: Float
    private let belowOwnSpeechDb: Float

    init(configuration: VoiceActivityConfiguration) {
        bleedFactor = Float(decibelsToPower(-configuration.bleedRejectionDb))
        minimumLevelDBFS = Float(configuration.minimumSpeechLevelDBFS)
        belowOwnSpeechDb = Float(configuration.belowOwnSpeechLevelDb)
    }

    /// - Parameters:
    ///   - bandPowers: this frame's band powers.
    ///   - noise: this channel's noise floor per band.
    ///   - otherRecentMaximum: the other channel's largest band powers over the recent frames
    ///     (zeros when there is no other channel).
    ///   - levelDBFS: this frame's level; below the minimum speech level the score is 0.
    ///   - loudSpeechDBFS: the channel's own loud-speech level so far (nil until known); frames
    ///     `belowOwnSpeechLevelDb` under it score 0.
    /// - Returns: mean positive band SNR (dB, ≥ 0).
    func score(bandPowers: [Float], noise: [Float], otherRecentMaximum: [Float], levelDBFS: Float, loudSpeechDBFS: Float?) -> Float {
        guard levelDBFS >= minimumLevelDBFS else { return 0 }
        if let loud = loudSpeechDBFS, levelDBFS < loud - belowOwnSpeechDb { return 0 }
        let bleed = bleedFactor
        // Each band's SNR in one loop (vectorised: no branch, no running sum), then their sum in
        // band order; a band at or under its expected level adds 0, which leaves the sum as it was.
        precondition(bandPowers.count <= BandRow.scalarCount, "one SNR per band")
        var snrDb = BandRow()
        let total = bandPowers.withUnsafeBufferPointer { power in
            noise.withUnsafeBufferPointer { noise in
                otherRecentMaximum.withUnsafeBufferPointer { other in
                    withUnsafeMutableBytes(of: &snrDb) { raw in
                        let snr = raw.bindMemory(to: Float.self)
                        for b in 0..<power.count {
                            let expected = noise[b] + bleed * other[b]
                            snr[b] = power[b] > expected ? fastDecibels(power[b] / expected) : 0
                        }
                        var total: Float = 0
                        for b in 0..<power.count { total += snr[b] }
                        return total
                    }
                }
            }
        }
        return total / Float(bandPowers.count)
    }
}

/// 10·log10(x) to within 0.001 dB for x > 0, from the float's exponent and a polynomial in its
/// mantissa: several times cheaper than `log10f` and exactly reproducible.
@inline(__always)
func fastDecibels(_ x: Float) -> Float {
    guard x > 1e-30 else { return -300 }
    let bits = x.bitPattern
    let exponent = Float(Int32(bitPattern: (bits >> 23) & 0xFF) - 127)
    let m = Float(bitPattern: (bits & 0x007F_FFFF) | 0x3F80_0000)  // mantissa in [1, 2)
    // log2(m) on [1, 2): minimax-style polynomial in t = m − 1 (max error ≈ 1e-4).
    let t = m - 1
    let log2m = t * (1.442_67 + t * (-0.720_38 + t * (0.471_58 + t * (-0.305_81 + t * (0.158_38 + t * -0.046_33)))))
    return 3.010_299_956_6 * (exponent + log2m)
}
