import FoundationEssentials
import Testing

@testable import AttuneCLI

/// The start-up check of the CPU an AVX2 build of the engine needs (`EngineCPU`).
@Suite struct EngineCPUTests {
    static let required = ["avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"]

    /// /proc/cpuinfo as Linux writes it: tab-separated keys, one block per processor.
    static func cpuInfo(flags: String) -> String {
        "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Test CPU\nflags\t\t: \(flags)\nbugs\t\t: spectre_v1\n\n"
            + "processor\t: 1\nflags\t\t: \(flags)\n"
    }

    @Test func anAVX2ProcessorHasEverything() {
        let info = Self.cpuInfo(flags: "fpu vme sse sse2 ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt xsave avx f16c abm bmi1 avx2 bmi2 avx512f")
        #expect(EngineCPU.missingFlags(cpuInfo: info, required: Self.required).isEmpty)
    }

    /// An older processor (Sandy Bridge: AVX without AVX2, FMA, BMI or MOVBE): those are named.
    @Test func anOlderProcessorIsToldWhatItLacks() {
        let info = Self.cpuInfo(flags: "fpu vme sse sse2 ssse3 cx16 sse4_1 sse4_2 popcnt xsave avx")
        #expect(EngineCPU.missingFlags(cpuInfo: info, required: Self.required) == ["avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe"])
        // A flag is a whole word: "avx512f" is not "avx", "sse4_2" not "sse".
        #expect(EngineCPU.missingFlags(cpuInfo: Self.cpuInfo(flags: "avx512f sse4_2"), required: ["avx", "sse"]) == ["avx", "sse"])
        #expect(EngineCPU.missingFlags(cpuInfo: "", required: ["avx2"]) == ["avx2"])
    }

    /// This build's own requirements hold on the machine that runs its tests (it built them).
    @Test func thisMachineRunsThisBuild() throws {
        let data = try #require(FileManager.default.contents(atPath: "/proc/cpuinfo"))
        #expect(EngineCPU.missingFlags(cpuInfo: String(decoding: data, as: UTF8.self)).isEmpty)
        #expect(EngineCPU.requiredFlags.isEmpty || EngineCPU.requiredFlags == Self.required)
    }
}
