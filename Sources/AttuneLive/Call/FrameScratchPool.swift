public import AttuneDSP
import Synchronization

/// The FFT work buffers live calls analyse in (`FrameScratch`, about 9 KiB a set), lent for one
/// push at a time: a server holds thousands of live calls, but only as many push at once as it has
/// threads, so it keeps that many sets instead of one per call. A set holds nothing between pushes
/// (`SignalEngine.push(interleaved:scratch:)`), so which call used it last does not matter.
public final class FrameScratchPool: Sendable {
    /// Sets not lent now.
    private let idle = Mutex<[FrameScratch]>([])

    public init() {}

    /// Runs `body` with a set of its own (an idle one, or a new one when all are lent), then takes it back.
    public func withScratch<Result>(_ body: (inout FrameScratch) -> Result) -> Result {
        var scratch = idle.withLock { $0.popLast() } ?? FrameScratch()
        let result = body(&scratch)
        idle.withLock { $0.append(scratch) }
        return result
    }

    /// Sets the pool holds now (lent ones not counted).
    public var idleCount: Int { idle.withLock { $0.count } }
}
