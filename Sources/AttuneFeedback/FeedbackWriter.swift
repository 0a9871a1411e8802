public import AttuneStore
import FoundationEssentials

/// A feedback folder could not be written.
public struct FeedbackWriteError: Error, Sendable, CustomStringConvertible {
    /// The file or folder.
    public var path: String
    public var message: String

    public var description: String { "\(path): \(message)" }
}

/// Writes a feedback report as a folder: `index.html`, `advisors/ID.html`, `teams/TEAM.html`,
/// `feedback.json` (every number) and CSV files of the same numbers.
public enum FeedbackWriter {
    /// The files written, relative to `directory`.
    /// - Parameter links: the call explorer to link listed calls and moments to (nil: none).
    @discardableResult
    public static func write(_ report: FeedbackReport, to directory: String, links: CallLinks? = nil) throws(FeedbackWriteError) -> [String] {
        var written: [String] = []
        func save(_ relative: String, _ text: String) throws(FeedbackWriteError) {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(relative)
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url)
            } catch {
                throw FeedbackWriteError(path: url.path, message: "cannot be written (\(error))")
            }
            written.append(relative)
        }
        let advisorFiles = pageNames(report.advisors.map(\.agentId), empty: "no-id")
        let teamFiles = pageNames(report.teams.map(\.team), empty: "no-team")
        func advisorFile(_ agentId: String) -> String { "advisors/\(advisorFiles[agentId] ?? "unknown").html" }
        func teamFile(_ team: String) -> String { "teams/\(teamFiles[team] ?? "unknown").html" }
        for advisor in report.advisors {
            try save(advisorFile(advisor.agentId), FeedbackHTML.advisorPage(advisor, report: report, links: links))
        }
        for team in report.teams {
            let members = report.advisors.filter { $0.team == team.team }
            try save(teamFile(team.team), FeedbackHTML.teamPage(team, advisors: members, report: report) { "../" + advisorFile($0) })
        }
        try save("index.html", FeedbackHTML.indexPage(report, teamLink: teamFile, advisorLink: advisorFile))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { try save("feedback.json", String(decoding: try encoder.encode(report), as: UTF8.self) + "\n") } catch let error as FeedbackWriteError {
            throw error
        } catch {
            throw FeedbackWriteError(path: directory + "/feedback.json", message: "cannot be encoded (\(error))")
        }
        for (name, table) in FeedbackCSV.tables(report) { try save(name, table) }
        return written
    }

    /// Each name's page file name (without `.html`), unique within the folder even where the file
    /// system ignores case, and stable: a name made only of letters, digits, `-`, `_` and `.`
    /// (not starting with `.`, at most 100 bytes) is its own file name (`A17`); any other
    /// name (`Billing/Payments`, `Billing Payments`, the empty team) is a readable slug plus 12 hex
    /// digits of a hash of the exact name (`Billing_Payments-1b2c3d4e5f60`). Should two names
    /// still meet (names differing only in case, or a name that is another's slug and hash), each
    /// of them takes its hash, and a number after it if even that is shared.
    static func pageNames(_ names: [String], empty: String) -> [String: String] {
        let distinct = Array(Set(names)).sorted()
        var files: [String: String] = [:]
        for name in distinct { files[name] = isPlainFileName(name) ? name : hashedName(name, empty: empty) }
        // Names that meet (ignoring case) all take their hash.
        for group in Dictionary(grouping: distinct, by: { files[$0]!.lowercased() }).values where group.count > 1 {
            for name in group { files[name] = hashedName(name, empty: empty) }
        }
        // Should hashes meet too, number them in the names' order.
        var taken = Set<String>()
        for name in distinct {
            let base = files[name]!
            var candidate = base, number = 2
            while !taken.insert(candidate.lowercased()).inserted {
                candidate = "\(base)-\(number)"
                number += 1
            }
            files[name] = candidate
        }
        return files
    }

    /// Whether a name can be a file name as it is.
    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && name.utf8.count <= 100 && safeName(name) == name
    }

    /// A slug of the name (at most 60 bytes of it, `empty` for an empty name) and 12 hex digits
    /// of its FNV-1a hash (64-bit, over the exact name's UTF-8).
    static func hashedName(_ name: String, empty: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash >> 16, radix: 16)
        var slug = String.UnicodeScalarView()
        var bytes = 0
        for scalar in safeName(name).unicodeScalars {
            bytes += UTF8.width(scalar)
            guard bytes <= 60 else { break }
            slug.append(scalar)
        }
        return (slug.isEmpty ? empty : String(slug)) + "-" + String(repeating: "0", count: 12 - hex.count) + hex
    }

    /// Letters, digits, `-`, `_` and `.` kept; anything else becomes `_`.
    static func safeName(_ name: String) -> String {
        String(name.unicodeScalars.map { scalar -> Character in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar) ? Character(scalar) : "_"
        })
    }
}

/// The report's numbers as CSV tables (RFC 4180), one file each.
enum FeedbackCSV {
    static func tables(_ report: FeedbackReport) -> [(String, String)] {
        func table(_ header: [String], _ rows: [[String]]) -> String {
            ([header] + rows).map { $0.map(ResultsStore.csvEscaped).joined(separator: ",") }.joined(separator: "\n") + "\n"
        }
        let n = FeedbackText.optional
        let summaryHeader = ["calls", "surveys", "meanCES", "meanPredictedCES", "meanAbsoluteDifferencePoints", "worthAListen", "topBox", "highDistressCalls"]
        func summary(_ s: SurveySummary) -> [String] {
            [String(s.calls), String(s.surveys), n(s.meanCES, 4), n(s.meanPredictedCES, 4), n(s.meanAbsoluteDifferencePoints, 4),
             String(s.worthAListen), String(s.topBox), String(s.highDistressCalls)]
        }
        let advisors = table(["agentId", "team"] + summaryHeader + ["topBoxStreak"], report.advisors.map {
            [$0.agentId, $0.team] + summary($0.summary) + [String($0.topBoxStreak)]
        })
        let teams = table(["team", "advisors"] + summaryHeader, report.teams.map { [$0.team, String($0.advisors)] + summary($0.summary) })
        let behaviourHeader = ["level", "id", "behaviour", "measured", "easyMean", "easyCalls", "hardMean", "hardCalls", "overallMean", "teamMedian", "standardisedDifference"]
        func behaviourRows(_ level: String, _ id: String, _ list: [BehaviourComparison]) -> [[String]] {
            list.map { [level, id, $0.behaviour, $0.measured ? "true" : "false", n($0.easyMean, 4), String($0.easyCalls), n($0.hardMean, 4), String($0.hardCalls),
                        n($0.overallMean, 4), n($0.teamMedian, 4), n($0.standardisedDifference, 3)] }
        }
        let behaviours = table(behaviourHeader, report.advisors.flatMap { behaviourRows("advisor", $0.agentId, $0.behaviours) }
            + report.teams.flatMap { behaviourRows("team", $0.team, $0.behaviours) })
        let findings = table(["level", "id", "behaviour", "calls", "text"], report.advisors.flatMap { a in a.findings.map { ["advisor", a.agentId, $0.behaviour ?? "", String($0.calls), $0.text] } }
            + report.teams.flatMap { t in t.findings.map { ["team", t.team, $0.behaviour ?? "", String($0.calls), $0.text] } })
        let trend = table(["level", "id", "weekStarting", "surveys", "meanCES"], report.advisors.flatMap { a in a.summary.trend.map { ["advisor", a.agentId, $0.weekStarting, String($0.surveys), n($0.meanCES, 4)] } }
            + report.teams.flatMap { t in t.summary.trend.map { ["team", t.team, $0.weekStarting, String($0.surveys), n($0.meanCES, 4)] } })
        let distribution = table(["level", "id", "answer", "count"], report.advisors.flatMap { a in a.summary.distribution.map { ["advisor", a.agentId, String($0.answer), String($0.count)] } }
            + report.teams.flatMap { t in t.summary.distribution.map { ["team", t.team, String($0.answer), String($0.count)] } })
        func moments(_ list: [Moment]) -> String {
            list.map { "\($0.type)\($0.party.map { " \($0)" } ?? "") \(n($0.startSeconds, 3))-\(n($0.endSeconds, 3))" }.joined(separator: "; ")
        }
        let disagreements = table(["agentId", "callId", "startedAt", "surveyedCES", "predictedCES", "differencePoints", "comment", "moments"], report.advisors.flatMap { a in
            a.disagreements.map { d in
                [a.agentId, d.callId, d.startedAt ?? "", n(d.surveyedCES, 4), n(d.predictedCES, 4), n(d.differencePoints, 4), d.comment ?? "", moments(d.moments)]
            }
        })
        let hardRated = table(["agentId", "callId", "startedAt", "respondedAt", "surveyedCES", "predictedCES", "comment", "moments"], report.advisors.flatMap { a in
            a.hardRated.map { c in [a.agentId, c.callId, c.startedAt ?? "", c.respondedAt, n(c.surveyedCES, 4), n(c.predictedCES, 4), c.comment ?? "", moments(c.moments)] }
        })
        let agreement = table(["team", "weekStarting", "surveys", "spearman", "meanAbsoluteErrorPoints", "biasPoints"], report.teams.flatMap { t in
            t.agreementByWeek.map { [t.team, $0.weekStarting, String($0.surveys), n($0.spearman, 4), n($0.meanAbsoluteErrorPoints, 4), n($0.biasPoints, 4)] }
        })
        let models = table(
            ["modelSha256", "modelId", "modelVersion", "calls", "surveys", "calibrationKind", "calibrationSurveys", "spearman", "spearmanLow", "spearmanHigh",
             "meanAbsoluteErrorPoints", "biasPoints", "errorQuantile", "errorQuantilePoints", "calibratedAt", "marksCalls"],
            report.models.map { m in
                let c = m.calibration
                return [m.modelSha256, m.modelId, m.modelVersion, String(m.calls), String(m.surveys), c?.kind ?? "", c.map { String($0.surveys) } ?? "",
                        n(c?.spearman, 4), n(c?.spearmanLow, 4), n(c?.spearmanHigh, 4), n(c?.meanAbsoluteErrorPoints, 4), n(c?.biasPoints, 4),
                        n(c?.errorQuantile, 4), n(c?.errorQuantilePoints, 4), c?.createdAt ?? "", m.marksCalls ? "true" : "false"]
            })
        let distressed = table(["team", "callId", "agentId", "startedAt", "distress"], report.teams.flatMap { t in
            t.distressedCalls.map { [t.team, $0.callId, $0.agentId, $0.startedAt ?? "", n($0.distress, 4)] }
        })
        let care = table(["team", "agentId", "callsInARow", "firstCallAt", "lastCallAt"], report.teams.flatMap { t in
            t.care.map { [t.team, $0.agentId, String($0.callsInARow), $0.firstCallAt, $0.lastCallAt] }
        })
        let recognition = table(["team", "agentId", "topBox", "surveys", "streak"], report.teams.flatMap { t in
            t.recognition.map { [t.team, $0.agentId, String($0.topBox), String($0.surveys), String($0.streak)] }
        })
        return [
            ("advisors.csv", advisors), ("teams.csv", teams), ("behaviours.csv", behaviours), ("findings.csv", findings), ("trend.csv", trend),
            ("distribution.csv", distribution), ("disagreements.csv", disagreements), ("hard-rated.csv", hardRated), ("agreement.csv", agreement),
            ("models.csv", models), ("distressed-calls.csv", distressed), ("care.csv", care), ("recognition.csv", recognition),
        ]
    }
}
