internal import CFFTW
import Synchronization

// The only file that imports CFFTW.
//
// FFTW's planner keeps global state and is not thread-safe ("the only thread-safe routine in FFTW is
// fftw_execute (and the new-array variants thereof)", fftw.org, Thread safety), so plans are created
// once per size under one lock and then shared. Execution uses the new-array functions on the
// caller's buffers, which any number of threads may do at once.
//
// Plans are made with FFTW_ESTIMATE (FFTW_MEASURE picks by timing, so two runs could pick different
// plans and give different last bits) on arrays from fftwf_malloc; every array later passed to
// them is an `FFTBuffer`, allocated the same way, so the SIMD codelets' alignment holds.
// Before the first plan, the committed wisdom (`FFTWisdom`, measured plans for the engine's two
// transforms, made by Scripts/fftw/make-wisdom.sh) is imported; FFTW_ESTIMATE planning uses wisdom
// of a more rigorous kind where it has it, so the engine's transforms get measured plans (a
// forward-and-inverse pair 1.44 times faster than FFTW_ESTIMATE's own on this machine) that are
// still the same on every run.
// An FFTW that refuses the wisdom (another version) or whose CPU cannot run a plan it names
// (FFTW then plans afresh) falls back to FFTW_ESTIMATE's plans: slower, equally repeatable.

/// A real-input FFT of one size, forward (real → half spectrum) and inverse (half spectrum → real).
///
/// Values, not references: copying a `RealFFT` copies two plan pointers, both immutable and shared.
public struct RealFFT: Sendable {
    /// Transform length (samples), even.
    public let size: Int
    /// Complex bins in the half spectrum: `size / 2 + 1`.
    public var binCount: Int { size / 2 + 1 }
    private let plans: PlanPair

    /// Whether FFTW accepted the committed wisdom (`FFTWisdom`), so the engine's transforms run on
    /// measured plans; false on another FFTW version (then FFTW_ESTIMATE's plans: slower, as exact).
    public static var usesCommittedWisdom: Bool { PlanPair.acceptedWisdom }

    /// Creates (or reuses) the plans for `size`.
    /// - Parameter size: transform length in samples; even and at least 2.
    public init(size: Int) {
        precondition(size >= 2 && size % 2 == 0, "RealFFT size must be even and ≥ 2")
        self.size = size
        self.plans = PlanPair.shared(size: size)
    }

    /// Forward transform: `input` holds `size` real samples (left unchanged); `output` (at least
    /// `2 · binCount` floats) receives `binCount` complex values as interleaved (real, imaginary)
    /// floats, unnormalised.
    public func forward(_ input: inout FFTBuffer, into output: inout FFTBuffer) {
        precondition(input.count >= size && output.count >= 2 * binCount)
        input.makeUnique()
        output.makeUnique()
        output.basePointer.withMemoryRebound(to: fftwf_complex.self, capacity: binCount) { complex in
            fftwf_execute_dft_r2c(plans.forward, input.basePointer, complex)
        }
    }

    /// Inverse transform: `input` holds `binCount` interleaved complex values and is overwritten;
    /// `output` receives `size` real samples, unnormalised (scaled by `size`).
    public func inverse(_ input: inout FFTBuffer, into output: inout FFTBuffer) {
        precondition(input.count >= 2 * binCount && output.count >= size)
        input.makeUnique()
        output.makeUnique()
        input.basePointer.withMemoryRebound(to: fftwf_complex.self, capacity: binCount) { complex in
            fftwf_execute_dft_c2r(plans.inverse, complex, output.basePointer)
        }
    }
}

/// The forward and inverse plans for one size. Never destroyed: a process uses a handful of sizes.
private final class PlanPair: @unchecked Sendable {
    // @unchecked: both plans are immutable after creation, and FFTW documents the new-array execute
    // functions used above as safe to call concurrently on one plan.
    let forward: fftwf_plan
    let inverse: fftwf_plan

    private init(size: Int) {
        let flags = UInt32(FFTW_ESTIMATE)
        let real = fftwf_alloc_real(size)!
        let complex = fftwf_alloc_complex(size / 2 + 1)!
        defer { fftwf_free(real); fftwf_free(complex) }
        forward = fftwf_plan_dft_r2c_1d(Int32(size), real, complex, flags)!
        inverse = fftwf_plan_dft_c2r_1d(Int32(size), complex, real, flags)!
    }

    /// Plans by size, and whether FFTW took the committed wisdom (nil until it is imported,
    /// before the first plan).
    private struct Cache {
        var plans: [Int: PlanPair] = [:]
        var acceptedWisdom: Bool?
    }
    private static let cache = Mutex(Cache())

    /// Runs `body` on the cache under its lock, importing the wisdom first the first time.
    private static func withCache<T: Sendable>(_ body: (inout Cache) -> T) -> T {
        cache.withLock { cache in
            if cache.acceptedWisdom == nil { cache.acceptedWisdom = fftwf_import_wisdom_from_string(FFTWisdom.text) != 0 }
            return body(&cache)
        }
    }

    /// Whether FFTW accepted the committed wisdom.
    static var acceptedWisdom: Bool { withCache { $0.acceptedWisdom ?? false } }

    static func shared(size: Int) -> PlanPair {
        withCache { cache in
            if let existing = cache.plans[size] { return existing }
            let created = PlanPair(size: size)
            cache.plans[size] = created
            return created
        }
    }
}

/// FFTW's aligned allocator, for `FFTBuffer` (this file stays the library's only door).
enum FFTWMemory {
    /// `count` floats aligned for FFTW's SIMD codelets (uninitialised). Traps when memory is exhausted.
    static func allocateFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
        guard let pointer = fftwf_alloc_real(count) else { fatalError("FFTW could not allocate \(count) floats") }
        return pointer
    }

    static func free(_ pointer: UnsafeMutablePointer<Float>) { fftwf_free(pointer) }
}
