import AttuneTestSupport
import Foundation
import Testing

@testable import AttuneCLI

/// The start-up check of the CPU an AVX2 build of the engine needs (`EngineCPU`).
@Suite struct EngineCPUTests {
    /// /proc/cpuinfo as Linux writes it: tab-separated keys, one block per processor.
    static func cpuInfo(flags: String) -> String {
        "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Test CPU\nflags\t\t: \(flags)\nbugs\t\t: spectre_v1\n\n"
            + "processor\t: 1\nflags\t\t: \(flags)\n"
    }

    @Test func anAVX2ProcessorHasEverything() {
        let info = Self.cpuInfo(flags: "fpu vme sse sse2 ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt xsave avx f16c abm bmi1 avx2 bmi2 avx512f")
        #expect(EngineCPU.missingFlags(cpuInfo: info, required: EngineCPU.x86_64_v3Flags).isEmpty)
    }

    /// An older processor (Sandy Bridge: AVX without AVX2, FMA, BMI or MOVBE): those are named.
    @Test func anOlderProcessorIsToldWhatItLacks() {
        let info = Self.cpuInfo(flags: "fpu vme sse sse2 ssse3 cx16 sse4_1 sse4_2 popcnt xsave avx")
        #expect(EngineCPU.missingFlags(cpuInfo: info, required: EngineCPU.x86_64_v3Flags) == ["avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe"])
        // A flag is a whole word: "avx512f" is not "avx", "sse4_2" not "sse".
        #expect(EngineCPU.missingFlags(cpuInfo: Self.cpuInfo(flags: "avx512f sse4_2"), required: ["avx", "sse"]) == ["avx", "sse"])
        #expect(EngineCPU.missingFlags(cpuInfo: "", required: ["avx2"]) == ["avx2"])
    }

    /// Whether a private mount namespace can be made here (`unshare -m`: root, util-linux).
    static let canBindMount: Bool = (try? ChildProcess.run("/usr/bin/unshare", ["-m", "true"], seconds: 60).status) == 0

    /// End to end: `attune analyze` under a /proc/cpuinfo of an older processor (bound over the
    /// real one in a private mount namespace) names what is missing and exits 3, with no report.
    /// Only for a build that needs AVX2, where such a namespace can be made.
    @Test(.enabled(if: !EngineCPU.requiredFlags.isEmpty && canBindMount))
    func anAVX2BuildRefusesAnOlderProcessor() throws {
        let folder = RepositoryPaths.temporaryDirectory("attune-cpuinfo")
        let fake = folder + "/cpuinfo"
        try Self.cpuInfo(flags: "fpu sse sse2 ssse3 sse4_1 sse4_2 popcnt xsave avx").write(toFile: fake, atomically: true, encoding: .utf8)
        let result = try ChildProcess.run(
            "/usr/bin/unshare",
            ["-m", "/bin/sh", "-c", "mount --bind \"$0\" /proc/cpuinfo && exec \"$1\" analyze \"$2\"", fake, AnalyzeCommandTests.binary,
             RepositoryPaths.fixtureCalls + "/calm-clean.flac"])
        #expect(result.status == 3, "\(result.standardError)")
        #expect(result.standardError.contains("lacks avx2, bmi1, bmi2, f16c, fma, abm, movbe;"), "\(result.standardError)")
        #expect(result.standardOutput.isEmpty)
    }

    /// The manifest and the check read this machine alike: the build is for AVX2 exactly when the
    /// check finds every x86-64-v3 feature here (unless ATTUNE_PORTABLE asked for any x86-64; the
    /// test command builds and tests in one environment). And this machine runs this build.
    @Test func theBuildAndTheCheckAgreeOnThisMachine() throws {
        let data = try #require(FileManager.default.contents(atPath: "/proc/cpuinfo"))
        let cpuInfo = String(decoding: data, as: UTF8.self)
        #if arch(x86_64)
        let portable = ProcessInfo.processInfo.environment["ATTUNE_PORTABLE"] != nil
        let hasV3 = EngineCPU.missingFlags(cpuInfo: cpuInfo, required: EngineCPU.x86_64_v3Flags).isEmpty
        #expect(!EngineCPU.requiredFlags.isEmpty == (hasV3 && !portable))
        #endif
        #expect(EngineCPU.missingFlags(cpuInfo: cpuInfo).isEmpty)
    }
}
