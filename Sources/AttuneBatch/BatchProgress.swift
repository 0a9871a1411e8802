/// Running totals of a batch and their wording: a live line for a terminal, log lines otherwise.
public struct BatchProgress: Sendable, Equatable {
    /// Calls in the batch (after sharding).
    public var total = 0
    public var analyzed = 0
    public var skipped = 0
    /// Already stored with a current result, but with new metadata (agent, team, start time):
    /// updated in place without re-analysis.
    public var updated = 0
    public var failed = 0
    /// Calls another worker sharing the store is analysing (its claim is live).
    public var elsewhere = 0
    /// Calls (and manifest lines) that failed before with the same file and settings: listed
    /// once, in the run that failed them, and not retried.
    public var failedBefore = 0
    /// Audio analysed in this run (s).
    public var audioSeconds = 0.0
    /// Time spent analysing (s, summed over jobs), and awaiting the store (s; with busy cores
    /// this includes waiting for a core, so it overstates the store's cost: measure that with
    /// `--no-store`, as `Scripts/bench/batch.py` does).
    public var analysisSeconds = 0.0
    public var storeSeconds = 0.0

    public init(total: Int) { self.total = total }

    /// Calls dealt with (analysed, skipped, updated, failed, or left to another worker).
    public var done: Int { analyzed + skipped + updated + failed + elsewhere + failedBefore }

    /// "[  37/200]  0.6 h audio  3,950× real time  ETA 0:12  1 failed"
    /// - Parameter elapsedSeconds: wall time since the batch started.
    public func line(elapsedSeconds: Double) -> String {
        let width = String(total).count
        var text = "[\(String(repeating: " ", count: max(0, width - String(done).count)))\(done)/\(total)] \(hours(audioSeconds)) audio"
        if elapsedSeconds > 0 && audioSeconds > 0 {
            text += ", \(grouped(Int((audioSeconds / elapsedSeconds).rounded())))× real time"
        }
        if done > 0 && done < total {
            let remaining = elapsedSeconds / Double(done) * Double(total - done)
            text += ", ETA \(clock(remaining))"
        }
        if skipped > 0 { text += ", \(skipped) already stored" }
        if updated > 0 { text += ", \(updated) updated" }
        if failed > 0 { text += ", \(failed) failed" }
        if elsewhere > 0 { text += ", \(elsewhere) with other workers" }
        if failedBefore > 0 { text += ", \(failedBefore) failed before" }
        return text
    }

    /// The closing summary.
    public func summary(elapsedSeconds: Double) -> String {
        var text = "\(analyzed) analysed, \(skipped) already stored, " + (updated > 0 ? "\(updated) updated, " : "") + "\(failed) failed, "
            + (elsewhere > 0 ? "\(elsewhere) with other workers, " : "") + (failedBefore > 0 ? "\(failedBefore) failed before (not retried), " : "")
            + "of \(total) call(s); \(hours(audioSeconds)) audio in \(clock(elapsedSeconds))"
        if elapsedSeconds > 0 && audioSeconds > 0 {
            text += " (\(grouped(Int((audioSeconds / elapsedSeconds).rounded())))× real time)"
        }
        return text
    }

    private func hours(_ seconds: Double) -> String {
        let tenths = Int((seconds / 360).rounded())
        return "\(tenths / 10).\(tenths % 10) h"
    }

    private func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60)
        return h > 0 ? "\(h):\(String(m).leftPadded(to: 2)):\(String(s).leftPadded(to: 2))" : "\(m):\(String(s).leftPadded(to: 2))"
    }

    private func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return out
    }
}
