import AttuneFeedback
import AttuneScoring
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// A team's agreement between predicted and surveyed effort, week by week (drift), against
/// figures known from construction.
@Suite struct AgreementDriftTests {
    @Test func weeklyAgreementMatchesConstructedWeeks() async throws {
        let (database, directory) = try await SyntheticStore.fresh()
        // (day of November 2026, CES 2.0 answer, predicted effort index; nil = unscored). Effort
        // index of an answer = (7 − answer) / 6.
        let weeks: [[(Int, Int, Double?)]] = [
            // Week of 2 Nov: indices 0, 1/3, 2/3, 1 predicted in the same order; errors −0.05,
            // +1/30, −1/30, +0.05 (index): ρ 1, bias 0, mean |error| 1/24 index = 0.25 points.
            [(3, 7, 0.05), (3, 5, 0.3), (4, 3, 0.7), (5, 1, 0.95)],
            // Week of 9 Nov: every answer 1/6 harder than predicted (ties alike on both sides):
            // ρ 1, bias +1 point, mean |error| 1 point; the unscored call is left out.
            [(10, 6, 0), (10, 4, 1.0 / 3), (11, 2, 2.0 / 3), (12, 4, 1.0 / 3), (12, 1, nil)],
            // Week of 16 Nov: indices 0, 1/3, 2/3 predicted 0.5, 0, 1/3: ranks 3, 1, 2 against 1, 2, 3,
            // ρ = 1 − 6·6 / (3·8) = −0.5; bias (−0.5 + 1/3 + 1/3) / 3 · 6 = 1/3 point; mean |error| 7/18 · 6 = 7/3 points.
            [(17, 7, 0.5), (17, 5, 0), (18, 3, 1.0 / 3)],
            // Week of 23 Nov: two surveys, too few for ρ; errors ±1/3 index: bias 0, mean |error| 2 points.
            [(24, 2, 0.5), (25, 6, 0.5)],
        ]
        var calls: [SyntheticCall] = []
        var csv = "callId,respondedAt,score\n"
        for (week, list) in weeks.enumerated() {
            for (index, (day, answer, predicted)) in list.enumerated() {
                let callId = "w\(week)-\(index)"
                calls.append(SyntheticCall(callId: callId, agentId: "w1", team: "w", startedAt: SyntheticStore.time(day: day, minute: 500 + index), predictedEffortIndex: predicted))
                csv += "\(callId),\(SyntheticStore.time(day: day, minute: 800 + index)),\(answer)\n"
            }
        }
        // Another team in the first week, predicted badly: it must not leak into team w's figures.
        for index in 0..<3 {
            calls.append(SyntheticCall(callId: "v\(index)", agentId: "v1", team: "v", startedAt: SyntheticStore.time(day: 3, minute: 700 + index), predictedEffortIndex: Double(index) / 2))
            csv += "v\(index),\(SyntheticStore.time(day: 3, minute: 900 + index)),\(1 + 3 * index)\n"
        }
        try await SyntheticStore.insert(calls, into: database)
        _ = try await SurveyImporter.importFile(try SyntheticStore.file(directory, "s.csv", csv), into: database, options: .init(scale: .ces2))

        let report = try await FeedbackReport.build(from: database, configuration: FeedbackConfiguration(), scope: FeedbackScope())
        let team = try #require(report.teams.first { $0.team == "w" })
        let expected: [(String, Int, Double?, Double, Double)] = [
            ("2026-11-02", 4, 1, 0.25, 0), ("2026-11-09", 4, 1, 1, 1), ("2026-11-16", 3, -0.5, 7.0 / 3, 1.0 / 3), ("2026-11-23", 2, nil, 2, 0),
        ]
        #expect(team.agreementByWeek.map(\.weekStarting) == expected.map(\.0), "oldest first, weeks starting on Monday")
        #expect(team.agreementByWeek.map(\.weekStarting) == team.summary.trend.map(\.weekStarting), "the same weeks as the CES trend")
        for (week, (_, surveys, rho, meanAbsoluteError, bias)) in zip(team.agreementByWeek, expected) {
            #expect(week.surveys == surveys, "\(week.weekStarting)")
            if let rho { #expect(abs(try #require(week.spearman) - rho) < 1e-12, "\(week.weekStarting)") } else { #expect(week.spearman == nil) }
            #expect(abs(week.meanAbsoluteErrorPoints - meanAbsoluteError) < 1e-12, "\(week.weekStarting)")
            #expect(abs(week.biasPoints - bias) < 1e-12, "\(week.weekStarting)")
        }
        let other = try #require(report.teams.first { $0.team == "v" })
        #expect(other.agreementByWeek.count == 1 && other.agreementByWeek[0].surveys == 3)

        try FeedbackWriter.write(report, to: directory + "/out")
        let page = try String(contentsOfFile: directory + "/out/teams/w.html", encoding: .utf8)
        #expect(page.contains("A falling ρ or a growing bias means the model has stopped matching the customers and should be recalibrated"))
        #expect(page.contains("<tr><td>2026-11-16</td><td>3</td><td>-0.50</td><td>2.33</td><td>0.33</td></tr>"))
        #expect(page.contains("<tr><td>2026-11-23</td><td>2</td><td>–</td><td>2.00</td><td>0.00</td></tr>"))
        let table = try String(contentsOfFile: directory + "/out/agreement.csv", encoding: .utf8)
        #expect(table.contains("w,2026-11-09,4,1.0000,1.0000,1.0000\n"))
    }
}
