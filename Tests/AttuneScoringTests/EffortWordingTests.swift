import AttunePipeline
import AttuneScoring
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// Effort reads in the reader's direction everywhere (issue 14, item 9): the level in words, and
/// each reason as the change it makes to the number shown on the survey's own scale, in the JSON
/// report (and the stored report) and in the CSV export. The expectations are worked out by hand
/// from `EffortWordingFixture`'s model (see there): the same call is `high` effort on both scales;
/// on CES 2.0 (7 = very easy) effort pulls the answer down, on CES 1.0 (5 = very high effort) it
/// pushes it up.
@Suite struct EffortWordingTests {
    /// What a scale's report must say about the fixture's silent call.
    struct Expected: Sendable, CustomTestStringConvertible {
        var name: String
        var scale: SurveyScale
        var value: Double
        /// Per contribution, largest first: input, effort points, change of the shown value, effect.
        var contributions: [(input: String, points: Double, scaleChange: Double, effect: String)]
        var effortWhy: String
        var testDescription: String { name }
    }

    static let cases = [
        Expected(
            name: "CES 2.0 (1–7, 7 = very easy)", scale: .ces2, value: 2.88,
            contributions: [("call length", 1.5, -1.5, "harder"), ("easing input", -0.375, 0.375, "easier"), ("advisor pitch", 0, 0, "none")],
            effortWhy: "call length 10 s: −1.5 (harder); easing input 10 s: +0.4 (easier)"),
        Expected(
            name: "CES 1.0 (1–5, 5 = very high effort)", scale: .ces1, value: 3.75,
            contributions: [("call length", 1.0, 1.0, "harder"), ("easing input", -0.25, -0.25, "easier"), ("advisor pitch", 0, 0, "none")],
            effortWhy: "call length 10 s: +1.0 (harder); easing input 10 s: −0.3 (easier)"),
    ]

    @Test func levelIsTheThirdOfTheEffortIndex() {
        #expect(EffortLevel(index: 0) == .low)
        #expect(EffortLevel(index: 0.333) == .low)
        #expect(EffortLevel(index: 1.0 / 3) == .moderate)
        #expect(EffortLevel(index: 0.5) == .moderate)
        #expect(EffortLevel(index: 0.666) == .moderate)
        #expect(EffortLevel(index: 2.0 / 3) == .high)
        #expect(EffortLevel(index: 1) == .high)
        #expect(SurveyScale.ces2.easiestAnswer == 7 && SurveyScale.ces1.easiestAnswer == 1 && SurveyScale.nine.easiestAnswer == 9)
        // +0.6 effort points: the CES 2.0 answer falls by 0.6, the CES 1.0 answer rises by 0.6.
        #expect(SurveyScale.ces2.change(forEffortPoints: 0.6) == -0.6 && SurveyScale.ces1.change(forEffortPoints: 0.6) == 0.6)
        #expect(SurveyScale.ces2.change(forEffortPoints: -0.3) == 0.3 && SurveyScale.ces1.change(forEffortPoints: -0.3) == -0.3)
        #expect(SurveyScale.ces2.change(forEffortPoints: 0).sign == .plus, "no −0")
    }

    @Test(arguments: cases)
    func jsonReportGivesTheLevelAndEachReasonInTheScalesDirection(_ expected: Expected) throws {
        let report = try EffortWordingFixture.report(scale: expected.scale)
        let effort = try #require(report.scores?.effort)
        #expect(effort.value == expected.value && effort.index == 0.688)
        #expect(effort.valueOnScaleText == (expected.scale == .ces2 ? "2.9 on 1–7, where 7 = very easy" : "3.8 on 1–5, where 1 = very easy"))

        let json = try JSONSerialization.jsonObject(with: report.jsonData(pretty: true)) as? [String: Any]
        let effortJSON = try #require((json?["scores"] as? [String: Any])?["effort"] as? [String: Any], "no effort in the report")
        #expect(effortJSON["level"] as? String == "high")
        #expect(effortJSON["value"] as? Double == expected.value)
        let contributions = try #require(effortJSON["contributions"] as? [[String: Any]])
        #expect(contributions.count == expected.contributions.count)
        for (shown, wanted) in zip(contributions, expected.contributions) {
            #expect(shown["input"] as? String == wanted.input)
            // Stored data keeps effort points (positive = more effort) and the text in them.
            #expect(shown["points"] as? Double == wanted.points, "\(wanted.input)")
            #expect(shown["scaleChange"] as? Double == wanted.scaleChange, "\(wanted.input): \(shown)")
            #expect(shown["effect"] as? String == wanted.effect, "\(wanted.input): \(shown)")
        }
        // The distress contributions are distress points, without a scale change.
        let distress = (json?["scores"] as? [String: Any])?["distress"] as? [String: Any]
        #expect(distress?["level"] == nil, "no distress on silence")

        // A report read back (as the store reads it) equals the one written: the added fields are
        // for readers only.
        #expect(try CallReport(jsonData: report.jsonData()) == report)
        #expect(try CallReport(jsonData: report.jsonData(pretty: true)) == report)
    }

    @Test(arguments: cases)
    func exportRowGivesTheLevelAndTheReasonsInTheScalesDirection(_ expected: Expected) async throws {
        let report = try EffortWordingFixture.report(scale: expected.scale, callId: "wording")
        let database = try ResultsStore.inMemory()
        try await database.store([AnalyzedCall(
            report: report,
            identity: ResultIdentity(contentSha256: "wording", engineVersion: report.engineVersion, configurationFingerprint: "test", modelSha256: "effort-wording"),
            metadata: CallMetadata(callId: "wording", sourcePath: "wording.wav"))], runId: nil)
        #expect(try await database.report(callId: "wording") == report, "the stored report reads back as the batch report")

        let lines = LockedLines()
        #expect(try await database.export(format: .csv, since: nil) { lines.append($0) } == 1)
        let rows = lines.all.map { $0.trimmingCharacters(in: .newlines).split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        try #require(rows.count == 2)
        let header = rows[0], row = rows[1]
        #expect(header == ResultsStore.csvColumns)
        let effortColumn = try #require(header.firstIndex(of: "effort"))
        #expect(header[effortColumn + 1] == "effortLevel", "effortLevel follows effort")
        func field(_ name: String) -> String? { header.firstIndex(of: name).map { row[$0] } }
        #expect(field("effort") == String(expected.value))
        #expect(field("effortLevel") == "high")
        #expect(field("effortWhy") == expected.effortWhy)
    }
}

/// Lines written by the export (from whatever task it writes on).
final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
