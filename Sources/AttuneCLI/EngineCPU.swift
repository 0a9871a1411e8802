import FoundationEssentials
import Glibc

/// What the signal engine was compiled for: on an x86-64 machine with the x86-64-v3 features
/// (AVX2), the engine and the decoder's checks are built for them (Package.swift,
/// `engineCPUSettings`, which defines ATTUNE_ENGINE_X86_64_V3 here). Checked before anything
/// runs, so a binary copied to an older CPU says so instead of dying on an illegal instruction.
/// (This module itself is built for any x86-64, so the check can run anywhere.)
enum EngineCPU {
    /// The x86-64-v3 features as /proc/cpuinfo names them. (The same list as
    /// `engineCPUSettings` in Package.swift, which cannot share code with the package.)
    static let x86_64_v3Flags = ["avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"]

    /// The features the engine needs: the x86-64-v3 ones for an AVX2 build, none for one that
    /// runs on any CPU.
    static let requiredFlags: [String] = {
        #if ATTUNE_ENGINE_X86_64_V3
        x86_64_v3Flags
        #else
        []
        #endif
    }()

    /// The `required` flags that `cpuInfo` (the text of /proc/cpuinfo) does not list on its first
    /// "flags" line (all of them when there is none).
    static func missingFlags(cpuInfo: String, required: [String] = requiredFlags) -> [String] {
        let line = cpuInfo.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        let present = Set(line.split { $0 == " " || $0 == "\t" || $0 == ":" }.map(String.init))
        return required.filter { !present.contains($0) }
    }

    /// Exits with status 3 and one line on standard error when this CPU lacks what the engine was
    /// built for. Does nothing for a portable build, or where /proc/cpuinfo cannot be read.
    static func exitIfUnsupported() {
        guard !requiredFlags.isEmpty, let data = FileManager.default.contents(atPath: "/proc/cpuinfo") else { return }
        let missing = missingFlags(cpuInfo: String(decoding: data, as: UTF8.self))
        guard !missing.isEmpty else { return }
        printError(
            "attune: this binary's signal engine was built for x86-64-v3 (AVX2) processors, and this one lacks "
                + "\(missing.joined(separator: ", ")); build it on this machine, or with ATTUNE_PORTABLE=1 Scripts/build-release.sh for any x86-64")
        exit(3)
    }
}
