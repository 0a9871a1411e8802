// swift-tools-version:6.2
import Foundation
import PackageDescription

// Attune: speech analytics for contact-centre calls.
// Module map (dependencies point down):
//   AttuneCLI ─▶ AttuneFeedback (surveys, advisor and team feedback) ─▶ AttuneBatch, AttuneCalibration (SVG)
//   AttuneCLI ─▶ AttuneBatch ─▶ AttuneStore ─▶ AttunePipeline ─▶ AttuneAudioIO ─▶ CSndFile
//                          (the ResultsStore seam; SQLite     ├─▶ AttuneDSP ─▶ AttuneFFT ─▶ CFFTW
//                           by GRDB, PostgreSQL by postgres-nio; the feedback figures)
//                                                             └─▶ AttuneScoring (pure)
// AttuneDSP does no I/O, reads no clock and holds no globals. AttuneAudioIO also uses AttuneDSP
// (AudioLimits: the rates, channels, length and sample range a file header may claim).

// The signal engine's vector loops (bands, bins, lags as SIMD8/SIMD16) and the decoder's sample
// checks (SampleRange) are built for AVX2 where the building machine has the x86-64-v3 features
// (Intel Haswell, 2013, and later; AMD Zen): x86-64's baseline is SSE2, four floats to a vector.
// About 7 % of `attune analyze`'s time. Results are bit-identical (Swift asks for no fused
// multiply-adds; checked on 165 calls). ATTUNE_PORTABLE=1 builds for any x86-64: for a binary
// that will run on other machines. `attune` checks the CPU at start (AttuneCLI's `EngineCPU`, which
// lists the same features) and refuses with a clear message where they are missing.
let engineCPUSettings: [SwiftSetting] = {
    #if arch(x86_64) && os(Linux)
    let v3Flags = ["avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"]
    guard Context.environment["ATTUNE_PORTABLE"] == nil,
          let cpuInfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flags = cpuInfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }).map({ Set($0.split(separator: " ").map(String.init)) }),
          v3Flags.allSatisfy(flags.contains)
    else { return [] }
    return [.unsafeFlags(["-target-cpu", "haswell"])]
    #else
    return []
    #endif
}()

let package = Package(
    name: "Attune",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "attune", targets: ["AttuneCLI"]),
        .executable(name: "attune-load", targets: ["AttuneLoad"]),
        .library(name: "AttunePipeline", targets: ["AttunePipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // C libraries, each behind exactly one Swift file.
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),

        .target(name: "AttuneAudioIO", dependencies: ["CSndFile", "AttuneDSP"], swiftSettings: engineCPUSettings),
        .target(name: "AttuneFFT", dependencies: ["CFFTW"]),
        // The signal engine is optimised in debug builds too: the test suite streams hours of real
        // and synthetic speech through it, 20-40 times slower unoptimised.
        .target(name: "AttuneDSP", dependencies: ["AttuneFFT"], swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))] + engineCPUSettings),
        .target(name: "AttuneScoring"),
        .target(
            name: "AttunePipeline",
            dependencies: ["AttuneAudioIO", "AttuneDSP", "AttuneScoring", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "AttuneStore",
            dependencies: [
                "AttunePipeline", "AttuneScoring", "AttuneDSP", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "AttuneBatch",
            dependencies: ["AttunePipeline", "AttuneStore", "AttuneAudioIO", "AttuneDSP", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "AttuneLive",
            dependencies: ["AttunePipeline", "AttuneScoring", "AttuneDSP", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "AttuneServer",
            dependencies: [
                "AttuneLive", "AttunePipeline", "AttuneStore", "AttuneScoring", "AttuneDSP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "AttuneCalibration", dependencies: ["AttunePipeline", "AttuneScoring", "AttuneDSP", "AttuneAudioIO", "AttuneStore", "AttuneBatch"]),
        .target(
            name: "AttuneFeedback",
            dependencies: ["AttuneStore", "AttuneScoring", "AttuneCalibration", "AttuneBatch"]
        ),
        .executableTarget(
            name: "AttuneCLI",
            dependencies: [
                "AttunePipeline", "AttuneStore", "AttuneBatch", "AttuneCalibration", "AttuneScoring", "AttuneServer", "AttuneFeedback",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: engineCPUSettings.isEmpty ? [] : [.define("ATTUNE_ENGINE_X86_64_V3")]
        ),
        // attune-load: replays fixture calls against attune serve (Scripts/bench/live-load.sh).
        .executableTarget(
            name: "AttuneLoad",
            dependencies: [
                "AttuneLive", "AttunePipeline", "AttuneAudioIO", "AttuneDSP", "AttuneScoring", "AttuneStore", "AttuneCalibration", "AttuneTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(name: "AttuneTestSupport", dependencies: ["AttunePipeline", "AttuneAudioIO", "AttuneDSP", "AttuneScoring", "AttuneStore", "AttuneCalibration"]),

        .testTarget(name: "AttuneAudioIOTests", dependencies: ["AttuneAudioIO", "AttuneDSP", "AttunePipeline", "AttuneTestSupport"]),
        .testTarget(name: "AttuneDSPTests", dependencies: ["AttuneDSP", "AttuneFFT", "AttuneLive", "AttuneTestSupport"]),
        .testTarget(name: "AttuneScoringTests", dependencies: ["AttuneScoring", "AttunePipeline", "AttuneCalibration", "AttuneDSP", "AttuneStore", "AttuneTestSupport"]),
        .testTarget(
            name: "AttunePipelineTests",
            dependencies: ["AttunePipeline", "AttuneDSP", "AttuneAudioIO", "AttuneTestSupport"]
        ),
        .testTarget(name: "AttuneLiveTests", dependencies: ["AttuneLive", "AttuneScoring", "AttuneCalibration", "AttunePipeline", "AttuneDSP", "AttuneAudioIO", "AttuneTestSupport"]),
        .testTarget(
            name: "AttuneServerTests",
            dependencies: [
                "AttuneServer", "AttuneLive", "AttuneCalibration", "AttunePipeline", "AttuneStore", "AttuneScoring", "AttuneDSP", "AttuneAudioIO", "AttuneTestSupport",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "AttuneCLITests",
            dependencies: [
                "AttuneCLI", "AttuneAudioIO", "AttuneTestSupport", "AttunePipeline", "AttuneScoring", "AttuneStore",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "AttuneFeedbackTests",
            dependencies: ["AttuneFeedback", "AttuneBatch", "AttuneStore", "AttuneScoring", "AttunePipeline", "AttuneDSP", "AttuneTestSupport"]
        ),
        .testTarget(
            name: "AttuneBatchTests",
            dependencies: ["AttuneBatch", "AttuneStore", "AttunePipeline", "AttuneScoring", "AttuneAudioIO", "AttuneTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Benchmarks (ordo-one/benchmark) only when asked for, so ordinary builds and CI stay lean:
//   ATTUNE_BENCHMARKS=1 swift package benchmark
if Context.environment["ATTUNE_BENCHMARKS"] != nil {
    package.dependencies.append(.package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "AttuneBenchmarks",
            dependencies: ["AttunePipeline", "AttuneTestSupport", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/AttuneBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
}

// Strict settings for every target of ours, in one place (as swift-log does).
for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
        .treatAllWarnings(as: .error),
    ]
}
