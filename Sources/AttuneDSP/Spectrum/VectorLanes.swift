/// Lane operations the engine's vector loops share, each a compare and a blend: the standard
/// library's `pointwiseMin`, `pointwiseMax` and `max()` go lane by lane through memory (one such
/// loop ran 45 % slower for it). For values that are never NaN (powers, correlations), where each
/// is the scalar `min`, `max` of every lane exactly. (Written for the concrete vector types: as
/// one extension on `SIMD`, the blends were left generic and ran more than twice as slow.)
extension SIMD8 where Scalar == Float {
    /// Each lane the smaller of the two: `other` where it is smaller (`min(self, other)`).
    @inline(__always)
    func lanewiseMinimum(_ other: Self) -> Self { replacing(with: other, where: other .< self) }

    /// Each lane the larger of the two: `other` where it is greater.
    @inline(__always)
    func lanewiseMaximum(_ other: Self) -> Self { replacing(with: other, where: other .> self) }

    /// The largest lane: the halves folded into each other as vectors, then four.
    @inline(__always)
    var largestLane: Float {
        let half = lowHalf.replacing(with: highHalf, where: highHalf .> lowHalf)
        return Swift.max(Swift.max(half[0], half[1]), Swift.max(half[2], half[3]))
    }
}

extension SIMD16 where Scalar == Float {
    /// Each lane the larger of the two: `other` where it is greater.
    @inline(__always)
    func lanewiseMaximum(_ other: Self) -> Self { replacing(with: other, where: other .> self) }
}
