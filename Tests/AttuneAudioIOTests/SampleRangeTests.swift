@testable import AttuneAudioIO
import Testing

/// The decoded-sample check, against its definition (`firstIndex { !(abs($0) <= limit) }`) at every
/// position of buffers whose lengths do and do not fill its 32-sample steps.
@Suite struct SampleRangeTests {
    static let limit: Float = 10_000

    static func reference(_ samples: [Float]) -> Int? { samples.firstIndex { !(abs($0) <= limit) } }

    static func scanned(_ samples: [Float]) -> Int? {
        samples.withUnsafeBufferPointer { SampleRange.firstOutOfRange($0, limit: limit) }
    }

    @Test(arguments: [0, 1, 7, 31, 32, 33, 64, 95, 100])
    func findsTheFirstBadSampleWherever(count: Int) {
        let good: [Float] = (0..<count).map { Float($0 % 7) * 1_428.5 - 4_285 }  // within ±10,000, both signs
        #expect(Self.scanned(good) == nil)
        for bad: Float in [.nan, -.nan, .infinity, -.infinity, 10_000.001, -10_000.001, 1e18] {
            for position in 0..<count {
                var samples = good
                samples[position] = bad
                if position + 5 < count { samples[position + 5] = .nan }  // a later bad one is not the answer
                #expect(Self.scanned(samples) == position, "\(bad) at \(position) of \(count)")
                #expect(Self.scanned(samples) == Self.reference(samples))
            }
        }
        // The limit itself passes, on both sides.
        #expect(Self.scanned([Float](repeating: 10_000, count: count) + [-10_000]) == nil)
    }
}
