import AttuneFeedback
import AttuneScoring
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// Calls worth a listen come only from a model whose latest calibration on this centre's surveys
/// shows agreement, and only beyond that calibration's error quantile.
@Suite struct WorthAListenTests {
    /// Advisor `p`: surveyed calls on both sides of a 0.25 effort-index error (1.5 points on CES
    /// 2.0), one exactly on it and one just below; an unscored and an unsurveyed call. Advisor `q`:
    /// five calls far beyond it (more than the per-advisor cap of 3).
    static func thresholdStore() async throws -> (ResultsStore, String) {
        let (database, directory) = try await SyntheticStore.fresh()
        // (call, answer on CES 2.0 (index (7 − answer) / 6), predicted index; nil = unscored or unsurveyed)
        let rows: [(String, Int?, Double?)] = [
            ("p1", 1, 0.5),     // +0.5: beyond
            ("p2", 7, 0.3),     // −0.3: beyond (easier than predicted)
            ("p3", 4, 0.25),    // exactly 0.25: not strictly beyond
            ("p4", 4, 0.2501),  // 0.2499: just below
            ("p5", 2, 0.58),    // 0.2533: just above
            ("p6", 1, nil),     // unscored
            ("p7", nil, 1),     // no survey
            ("q0", 1, 0), ("q1", 1, 0.1), ("q2", 1, 0.2), ("q3", 1, 0.3), ("q4", 1, 0.4),
        ]
        var csv = "callId,respondedAt,score\n"
        var calls: [SyntheticCall] = []
        for (index, (callId, answer, predicted)) in rows.enumerated() {
            calls.append(SyntheticCall(
                callId: callId, agentId: String(callId.prefix(1)), team: "t", startedAt: SyntheticStore.time(day: 3, minute: 600 + index),
                predictedEffortIndex: predicted))
            if let answer { csv += "\(callId),\(SyntheticStore.time(day: 3, minute: 900 + index)),\(answer)\n" }
        }
        try await SyntheticStore.insert(calls, into: database)
        let imported = try await SurveyImporter.importFile(try SyntheticStore.file(directory, "s.csv", csv), into: database, options: .init(scale: .ces2))
        #expect(imported.stored == 11 && imported.rejected == 0)
        return (database, directory)
    }

    @Test func noCallIsWorthAListenUntilTheModelIsCalibrated() async throws {
        let (database, directory) = try await FeedbackTests.populatedStore()
        let report = try await FeedbackReport.build(from: database, configuration: FeedbackConfiguration(minimumCallsPerGroup: 3), scope: FeedbackScope())
        #expect(report.advisors.count == 7 && report.advisors.allSatisfy { $0.summary.surveys > 0 })
        #expect(report.advisors.allSatisfy { $0.disagreements.isEmpty })
        #expect(report.advisors.allSatisfy { $0.summary.worthAListen == 0 } && report.teams.allSatisfy { $0.summary.worthAListen == 0 })
        let model = try #require(report.models.first)
        #expect(report.models.count == 1 && model.modelSha256 == "x" && model.name == "test 1" && model.calls == 210 && model.surveys == 140)
        #expect(model.calibration == nil && !model.marksCalls)
        #expect(report.advisors.allSatisfy { $0.summary.modelSha256s == ["x"] })

        try FeedbackWriter.write(report, to: directory + "/out")
        let sentence = "No call is marked worth a listen: model test 1 has not been calibrated on this centre's surveys yet, so its disagreements with customers would show the model's own error, not coaching moments. Run attune calibrate --db STORE."
        for page in ["advisors/a1.html", "teams/red.html"] {
            let html = try String(contentsOfFile: directory + "/out/" + page, encoding: .utf8)
            #expect(html.contains(sentence), "\(page)")
        }

        // The same store once calibrated does have calls worth a listen: their absence was the rule's doing.
        try await SyntheticStore.calibrate(database, errorQuantileIndex: 1.0 / 3, spearmanLow: 0.2)
        let calibrated = try await FeedbackReport.build(from: database, configuration: FeedbackConfiguration(minimumCallsPerGroup: 3), scope: FeedbackScope())
        #expect(calibrated.advisors.allSatisfy { $0.disagreements.first?.callId == "\($0.agentId)-0" })
    }

    @Test func disagreementsAreTheCallsBeyondTheLatestCalibratedErrorQuantile() async throws {
        let (database, directory) = try await Self.thresholdStore()
        try await SyntheticStore.calibrate(database, errorQuantileIndex: 0.1, spearmanLow: 0.2)  // older: superseded
        try await SyntheticStore.calibrate(database, errorQuantileIndex: 0.25, spearmanLow: 0.3)
        let report = try await FeedbackReport.build(from: database, configuration: FeedbackConfiguration(), scope: FeedbackScope())
        let p = try #require(report.advisors.first { $0.agentId == "p" }), q = try #require(report.advisors.first { $0.agentId == "q" })
        #expect(p.disagreements.map(\.callId) == ["p1", "p2", "p5"], "largest first; p3 (on the quantile) and p4 (just below) are not beyond it")
        let predicted: [Double] = [4, 7 - 6 * 0.3, 7 - 6 * 0.58]
        #expect(zip(p.disagreements.map(\.predictedCES), predicted).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(abs(p.disagreements[0].differencePoints - 3) < 1e-9 && abs(p.disagreements[1].differencePoints + 1.8) < 1e-9)
        #expect(q.disagreements.map(\.callId) == ["q0", "q1", "q2"], "capped at 3 per advisor")
        #expect(p.summary.worthAListen == 3 && q.summary.worthAListen == 5 && report.teams[0].summary.worthAListen == 8)

        let model = try #require(report.models.first)
        #expect(report.models.count == 1 && model.marksCalls && model.calls == 11 && model.surveys == 10, "p6 is unscored")
        let calibration = try #require(model.calibration)
        #expect(calibration.errorQuantileIndex == 0.25 && calibration.errorQuantilePoints == 1.5 && calibration.spearmanLow == 0.3)
        #expect(calibration.kind == "heldOut" && calibration.surveys == 200 && calibration.meanAbsoluteErrorPoints == 1 && calibration.biasPoints == 0.25)

        try FeedbackWriter.write(report, to: directory + "/out")
        let page = try String(contentsOfFile: directory + "/out/advisors/p.html", encoding: .utf8)
        #expect(page.contains("Calls are marked worth a listen when the model and the customer differ beyond the model's 90th-percentile error on this centre's surveys (1.5 points; held-out ρ 0.60 on 200 surveys)."))
        #expect(!page.contains("has not been calibrated"))

        // The optional floor of 2 points (index 1/3) keeps only p1 (3 points) of p's calls.
        let floored = try await FeedbackReport.build(from: database, configuration: FeedbackConfiguration(worthAListenPoints: 2), scope: FeedbackScope())
        #expect(floored.advisors.first { $0.agentId == "p" }?.disagreements.map(\.callId) == ["p1"])
        #expect(floored.advisors.first { $0.agentId == "q" }?.summary.worthAListen == 5)
    }

    @Test(arguments: zip([0.0, -0.2, nil] as [Double?], ["95 % interval 0.00 to 0.30, ", "95 % interval -0.20 to 0.10, ", ""]))
    func aCalibrationWithoutAgreementMarksNothing(spearmanLow: Double?, interval: String) async throws {
        let (database, directory) = try await Self.thresholdStore()
        try await SyntheticStore.calibrate(database, errorQuantileIndex: 0.25, spearmanLow: 0.3)  // older: superseded
        try await SyntheticStore.calibrate(database, errorQuantileIndex: 0.25, spearmanLow: spearmanLow, spearman: 0.1, surveys: 40)
        let report = try await FeedbackReport.build(from: database, configuration: FeedbackConfiguration(), scope: FeedbackScope())
        #expect(report.advisors.allSatisfy { $0.disagreements.isEmpty && $0.summary.worthAListen == 0 })
        #expect(report.teams[0].summary.worthAListen == 0)
        #expect(report.models.map(\.marksCalls) == [false] && report.models.first?.calibration?.spearmanLow == spearmanLow)

        try FeedbackWriter.write(report, to: directory + "/out")
        let page = try String(contentsOfFile: directory + "/out/advisors/p.html", encoding: .utf8)
        #expect(page.contains(
            "No call is marked worth a listen: model test 1's latest calibration on this centre's surveys does not show agreement with the customers (ρ 0.10, \(interval)on 40 surveys), so its disagreements with customers would show the model's own error, not coaching moments."))
    }
}
