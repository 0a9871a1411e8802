import AttunePipeline
import AttuneTestSupport
import Benchmark
import Foundation

// The per-frame path: a warmed-up CallAnalyzer fed decoded audio in 20 ms chunks (as a live
// call arrives). Allocation here must be zero; throughput is reported as frames per second.
//   ATTUNE_BENCHMARKS=1 swift package benchmark

let benchmarks: @Sendable () -> Void = {
    // 50 s stereo 8 kHz fixture with noise, decoded once.
    let recording = try! LoadedRecording.load(FixtureTruth.load("heated-snr25").recording())
    let channels = recording.layout.channelCount
    let chunk = (Int(ProcessInfo.processInfo.environment["ATTUNE_BENCH_CHUNK"] ?? "160") ?? 160) * channels  // 20 ms
    let warmUp = 10 * 8000 * channels  // the first 10 s set up every stage's state

    // The harness's own allocations inside a measurement, to subtract from the one below.
    Benchmark("Empty measurement (harness baseline)", configuration: .init(metrics: [.mallocCountTotal], maxIterations: 20)) { benchmark in
        for _ in benchmark.scaledIterations {
            benchmark.startMeasurement()
            benchmark.stopMeasurement()
        }
    }

    Benchmark(
        "CallAnalyzer.push, 40 s stereo 8 kHz in 20 ms chunks (after 10 s warm-up)",
        configuration: .init(metrics: [.mallocCountTotal, .wallClock], maxDuration: .seconds(10), maxIterations: 20)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            var analyzer = try! CallAnalyzer(callId: "bench", layout: recording.layout, sampleRateHz: recording.sampleRateHz)
            recording.samples.withUnsafeBufferPointer { all in
                analyzer.push(interleaved: UnsafeBufferPointer(rebasing: all[0..<warmUp]))
                benchmark.startMeasurement()
                var start = warmUp
                while start < all.count {
                    let end = min(start + chunk, all.count)
                    analyzer.push(interleaved: UnsafeBufferPointer(rebasing: all[start..<end]))
                    start = end
                }
                benchmark.stopMeasurement()
            }
            blackHole(analyzer.finish())
        }
    }
}
