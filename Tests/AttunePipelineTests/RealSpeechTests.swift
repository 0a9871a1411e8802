import AttuneDSP
import AttunePipeline
import AttuneTestSupport
import FoundationEssentials
import Testing

/// Real human speech with human labels, in `../shared/data` (see its README for attribution:
/// AMI Meeting Corpus, CC BY 4.0, via pyannote-audio; EmoDB, Burkhardt et al. 2005, CC0-1.0).
@Suite struct RealSpeechTests {
    /// Rows of a CSV file with a header line, as dictionaries.
    static func csvRows(_ path: String) throws -> [[String: String]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        return lines.map { line in
            Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }
    }

    static func analyzeMono(_ path: String) throws -> CallReport {
        try RecordingAnalysis.analyze(CallRecording(source: .file(path), monoParty: .mixed))
    }

    /// EmoDB (acted emotional speech, 2 s clips): detected speech start and end within 0.1 s of
    /// the labelled ones for at least 90 % of the untruncated clips (the few clips without word
    /// labels cannot be scored and are left out).
    @Test func emoDBSpeechStartAndEnd() throws {
        let directory = RepositoryPaths.sharedData + "/emodb"
        let untruncated = try Self.csvRows(directory + "/labels.csv").filter { $0["truncated"] == "no" }
        let rows = untruncated.filter { !($0["speech_start_s"] ?? "").isEmpty && !($0["speech_end_s"] ?? "").isEmpty }
        print("EmoDB: \(untruncated.count) untruncated clips, \(untruncated.count - rows.count) without speech labels")
        #expect(rows.count >= 100)
        var within = 0
        var misses: [String] = []
        for row in rows {
            let report = try Self.analyzeMono(directory + "/" + row["file"]!)
            let start = Double(row["speech_start_s"]!)!, end = Double(row["speech_end_s"]!)!
            guard let first = report.segments.first, let last = report.segments.last else {
                misses.append("\(row["file"]!): no speech found")
                continue
            }
            let startError = abs(first.startSeconds - start), endError = abs(last.endSeconds - end)
            if startError <= 0.1 && endError <= 0.1 {
                within += 1
            } else {
                misses.append("\(row["file"]!) (\(row["label"]!)): start \(first.startSeconds) vs \(start), end \(last.endSeconds) vs \(end)")
            }
        }
        let share = Double(within) / Double(rows.count)
        print("EmoDB: \(within)/\(rows.count) clips (\(share)) with start and end within 0.1 s")
        for miss in misses { print("  miss: \(miss)") }
        #expect(share >= 0.90)
    }
}
