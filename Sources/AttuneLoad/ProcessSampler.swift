import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// CPU time and memory of a process, from `/proc` (Linux).
struct ProcessSample {
    /// User + system CPU time (s).
    var cpuSeconds: Double
    /// Resident set size now and at its peak (bytes).
    var residentBytes: Int
    var peakResidentBytes: Int

    /// Reads `/proc/PID/stat` and `/proc/PID/status`; nil if the process is gone.
    static func read(pid: Int32) -> ProcessSample? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        func kilobytes(_ key: String) -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return 0 }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
        }
        return ProcessSample(cpuSeconds: (user + system) / ticks, residentBytes: kilobytes("VmRSS:") * 1024, peakResidentBytes: kilobytes("VmHWM:") * 1024)
    }
}
