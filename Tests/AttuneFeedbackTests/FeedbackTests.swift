import AttuneFeedback
import AttuneScoring
@_spi(Inspection) import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// `attune feedback`: figures against direct SQL, scale invariance, the minimum-calls rule,
/// advisor care and recognition.
@Suite struct FeedbackTests {
    /// A deterministic generator (SplitMix64), so every run builds the same store.
    struct Seeded {
        var state: UInt64
        mutating func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() * Double(range.count)) }
    }

    /// Seven advisors in two teams, 30 calls each; two thirds surveyed on CES 2.0, some twice.
    /// Hard-rated calls have more dead air, so findings exist. Call 0 of each advisor: the customer
    /// answered 1 although the model predicted effortless.
    static func populatedStore(_ kind: StoreKind = .sqlite) async throws -> (ResultsStore, String) {
        let (database, directory) = try await SyntheticStore.fresh(kind)
        var random = Seeded(state: 42)
        var calls: [SyntheticCall] = []
        var csv = "callId,respondedAt,score\n"
        let advisors = [("a1", "red"), ("a2", "red"), ("a3", "red"), ("a4", "red"), ("b1", "blue"), ("b2", "blue"), ("b3", "blue")]
        for (number, (agent, team)) in advisors.enumerated() {
            for index in 0..<30 {
                let callId = "\(agent)-\(index)"
                let answer = index == 0 ? 1 : random.int(1...7)
                let hard = Double(7 - answer) / 6
                var call = SyntheticCall(
                    callId: callId, agentId: agent, team: team, startedAt: SyntheticStore.time(day: 1 + index / 3, minute: 540 + 20 * (index % 3) + number),
                    predictedEffortIndex: index == 0 ? 0 : random.next(), distressLevel: random.next() < 0.15 ? "high" : "none", distressValue: random.next())
                call.behaviours = [
                    "talkShare": 0.4 + 0.05 * hard + 0.2 * random.next(), "deadAir": 5 + 40 * hard + 10 * random.next(),
                    "overtalk": 3 * random.next(), "interruptionsMade": Double(random.int(0...3)),
                    "responseGap": 0.5 + random.next(), "pace": 3 + random.next(),
                    "holds": Double(index % 4) * 20,
                ]
                if index == 0 { call.events = [("deadAir", nil, 12.5, 20), ("interruption", "advisor", 40.1, 41), ("energySpike", "customer", 60, 61), ("overtalk", nil, 40, 41)] }
                calls.append(call)
                guard index % 3 != 2 else { continue }  // a third without a survey
                csv += "\(callId),\(SyntheticStore.time(day: 1 + index / 3, minute: 900)),\(answer)\n"
                if index % 10 == 1 { csv += "\(callId),\(SyntheticStore.time(day: 2 + index / 3, minute: 900)),\(random.int(1...7))\n" }  // a later second answer
            }
        }
        try await SyntheticStore.insert(calls, into: database)
        let report = try await SurveyImporter.importFile(try SyntheticStore.file(directory, "s.csv", csv), into: database, options: .init(scale: .ces2))
        #expect(report.rejected == 0)
        return (database, directory)
    }

    @Test func feedbackNumbersEqualDirectQueriesOverTheStore() async throws {
        let (database, _) = try await Self.populatedStore()
        // A calibration agreeing with customers whose error quantile is 2 points (a third of 1–7).
        try await SyntheticStore.calibrate(database, errorQuantileIndex: 1.0 / 3, spearmanLow: 0.2)
        let configuration = FeedbackConfiguration(minimumCallsPerGroup: 3)
        let report = try await FeedbackReport.build(from: database, configuration: configuration, scope: FeedbackScope())
        #expect(report.advisors.map(\.agentId) == ["a1", "a2", "a3", "a4", "b1", "b2", "b3"])
        #expect(report.teams.map(\.team) == ["blue", "red"])

        // Independent SQL: the latest answer per call (CES 2.0: 5–7 easy, 1–3 hard, 7 top box).
        let latest = """
            SELECT s.callId, s.score, s.respondedAt, c.id AS callRowId, c.agentId, c.team, sc.effortIndex AS predicted
            FROM surveys s JOIN calls c ON c.callId = s.callId JOIN scores sc ON sc.callRowId = c.id
            WHERE s.respondedAt = (SELECT MAX(respondedAt) FROM surveys s2 WHERE s2.callId = s.callId)
            """
        let perAdvisor = try await database.rows("""
                SELECT agentId, COUNT(*) AS surveys, AVG(score) AS mean, SUM(score = 7) AS topBox, AVG(7 - 6 * predicted) AS predicted,
                       AVG(ABS((7 - score) / 6.0 - predicted) * 6) AS gap, SUM(ABS((7 - score) / 6.0 - predicted) > 1.0 / 3 + 1e-9) AS listen,
                       (SELECT COUNT(*) FROM calls c2 WHERE c2.agentId = l.agentId) AS calls
                FROM (\(latest)) l GROUP BY agentId ORDER BY agentId
                """)
            let behaviours = try await database.rows("""
                SELECT l.agentId, CASE WHEN l.score >= 5 THEN 'easy' ELSE 'hard' END AS grade, COUNT(*) AS n, AVG(m.value) AS deadAir
                FROM (\(latest)) l JOIN metrics m ON m.callRowId = l.callRowId AND m.scope = 'call' AND m.name = 'deadAirSeconds'
                WHERE l.score >= 5 OR l.score <= 3 GROUP BY l.agentId, grade ORDER BY l.agentId, grade
                """)
            let distribution = try await database.rows("SELECT team, CAST(score AS INTEGER) AS answer, COUNT(*) AS n FROM (\(latest)) GROUP BY team, answer ORDER BY team, answer")
            var medians: [String: [Double]] = [:]
            for row in try await database.rows("""
                SELECT c.team, m.value FROM calls c JOIN metrics m ON m.callRowId = c.id AND m.scope = 'advisor' AND m.name = 'talkShare'
                """) { medians[row["team"], default: []].append(row["value"]) }
            let highDistress = try await database.rows("SELECT c.team, COUNT(*) AS n FROM calls c JOIN scores s ON s.callRowId = c.id WHERE s.distressLevel = 'high' GROUP BY c.team ORDER BY c.team")
        #expect(perAdvisor.count == 7)
        for row in perAdvisor {
            let advisor = try #require(report.advisors.first { $0.agentId == row["agentId"] as String })
            let summary = advisor.summary
            #expect(summary.calls == row["calls"] as Int && summary.surveys == row["surveys"] as Int && summary.topBox == row["topBox"] as Int)
            #expect(abs(summary.meanCES! - (row["mean"] as Double)) < 1e-9)
            #expect(abs(summary.meanPredictedCES! - (row["predicted"] as Double)) < 1e-9)
            #expect(abs(summary.meanAbsoluteDifferencePoints! - (row["gap"] as Double)) < 1e-9)
            #expect(summary.worthAListen == row["listen"] as Int)
            #expect(summary.surveys == summary.distribution.map(\.count).reduce(0, +))
            #expect(advisor.disagreements.count == min(3, summary.worthAListen))
        }
        for row in behaviours {
            let advisor = try #require(report.advisors.first { $0.agentId == row["agentId"] as String })
            let deadAir = try #require(advisor.behaviours.first { $0.behaviour == "deadAir" })
            let easy = (row["grade"] as String) == "easy"
            #expect((easy ? deadAir.easyCalls : deadAir.hardCalls) == row["n"] as Int)
            #expect(abs((easy ? deadAir.easyMean! : deadAir.hardMean!) - (row["deadAir"] as Double)) < 1e-9)
        }
        for team in report.teams {
            let expected = distribution.filter { $0["team"] as String == team.team }.map { AnswerCount(answer: $0["answer"], count: $0["n"]) }
            #expect(team.summary.distribution == expected)
            let values = medians[team.team]!.sorted()
            let median = values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
            let talkShare = try #require(team.behaviours.first { $0.behaviour == "talkShare" })
            #expect(abs(talkShare.teamMedian! - median) < 1e-12)
            #expect(team.summary.highDistressCalls == highDistress.first { $0["team"] as String == team.team }?["n"] as Int? ?? 0)
            #expect(team.distressedCalls.count == team.summary.highDistressCalls)
            #expect(team.findings.first?.behaviour == "deadAir", "dead air was built to go with hard calls")
        }
        // Holds are measured now: each advisor's easy and hard means are the store's own.
        let holds = try await database.rows("""
                SELECT l.agentId, CASE WHEN l.score >= 5 THEN 'easy' ELSE 'hard' END AS grade, AVG(m.value) AS hold
                FROM (\(latest)) l JOIN metrics m ON m.callRowId = l.callRowId AND m.scope = 'call' AND m.name = 'holdSeconds'
                WHERE l.score >= 5 OR l.score <= 3 GROUP BY l.agentId, grade
                """)
        #expect(holds.count == 14)
        for row in holds {
            let advisor = try #require(report.advisors.first { $0.agentId == row["agentId"] as String })
            let hold = try #require(advisor.behaviours.first { $0.behaviour == "holds" })
            #expect(hold.measured)
            #expect(abs(((row["grade"] as String) == "easy" ? hold.easyMean! : hold.hardMean!) - (row["hold"] as Double)) < 1e-9)
        }
        // The worst disagreement of each advisor is their call 0, with its moments (not the overtalk).
        let first = try #require(report.advisors.first?.disagreements.first)
        #expect(first.callId == "a1-0" && first.surveyedCES == 1 && first.predictedCES == 7 && first.differencePoints == 6)
        #expect(first.moments.map(\.type) == ["deadAir", "interruption", "energySpike"])
        #expect(first.moments.first?.startSeconds == 12.5)
    }

    @Test func theSameAnswersOnEveryScaleGiveTheSameOrderingOfAdvisors() async throws {
        // Effort positions (0 = effortless … 1 = most effort) per advisor; expected order d, a, b, c.
        let positions: [String: [Double]] = ["a": [0, 0.5, 0.5], "b": [0, 0.5, 1], "c": [0.5, 1, 1], "d": [0, 0, 0.5]]
        let scales: [SurveyScale] = [.ces1, .ces2, .nine]
        var orderings: [[String]] = []
        var means: [String: Double] = [:]
        for (run, scale) in (scales + [.ces2]).enumerated() {
            let (database, directory) = try await SyntheticStore.fresh()
            var calls: [SyntheticCall] = []
            let fileScale = run == 3 ? SurveyScale.ces1 : scale  // the last run converts a 1–5 file onto 1–7
            var csv = "callId,respondedAt,score\n"
            for (agent, list) in positions.sorted(by: { $0.key < $1.key }) {
                for (index, position) in list.enumerated() {
                    calls.append(SyntheticCall(callId: "\(agent)\(index)", agentId: agent, team: "t", startedAt: SyntheticStore.time(day: 3, minute: 600 + index)))
                    csv += "\(agent)\(index),2026-11-03T12:00:00Z,\(fileScale.value(forEffortIndex: position))\n"
                }
            }
            try await SyntheticStore.insert(calls, into: database)
            let options = SurveyImportOptions(scale: scale, convertFrom: run == 3 ? .ces1 : nil)
            let imported = try await SurveyImporter.importFile(try SyntheticStore.file(directory, "s.csv", csv), into: database, options: options)
            #expect(imported.stored == 12 && imported.rejected == 0)
            let report = try await FeedbackReport.build(from: database, configuration: FeedbackConfiguration(scale: scale), scope: FeedbackScope())
            let ordered = report.advisors.sorted { (scale.effortIndex(of: $0.summary.meanCES!), $0.agentId) < (scale.effortIndex(of: $1.summary.meanCES!), $1.agentId) }
            orderings.append(ordered.map(\.agentId))
            if run == 1 { for advisor in report.advisors { means[advisor.agentId] = advisor.summary.meanCES } }
            if run == 3 { for advisor in report.advisors { #expect(abs(advisor.summary.meanCES! - means[advisor.agentId]!) < 1e-6) } }
        }
        #expect(orderings == Array(repeating: ["d", "a", "b", "c"], count: 4))
    }

    @Test func aFindingNeedsTheMinimumNumberOfCallsInEachGroup() async throws {
        let (database, directory) = try await SyntheticStore.fresh()
        var calls: [SyntheticCall] = []
        var csv = "callId,respondedAt,score\n"
        for index in 0..<13 {
            let hard = index < 3
            var call = SyntheticCall(callId: "c\(index)", agentId: "solo", team: "t", startedAt: SyntheticStore.time(day: 4, minute: 500 + 10 * index))
            call.behaviours = ["deadAir": hard ? 50 : 10 + Double(index % 2), "pace": 3]
            calls.append(call)
            csv += "c\(index),2026-11-04T20:00:00Z,\(hard ? 2 : 6)\n"
        }
        try await SyntheticStore.insert(calls, into: database)
        _ = try await SurveyImporter.importFile(try SyntheticStore.file(directory, "s.csv", csv), into: database, options: .init(scale: .ces2))

        let strict = try await FeedbackReport.build(from: database, configuration: FeedbackConfiguration(minimumCallsPerGroup: 8), scope: FeedbackScope())
        let advisor = try #require(strict.advisors.first)
        #expect(advisor.findings.count == 1 && advisor.findings[0].behaviour == nil)
        #expect(advisor.findings[0].text.hasPrefix("Too few calls to say: 3 hard-rated and 10 easy-rated"))
        #expect(advisor.behaviours.allSatisfy { $0.standardisedDifference == nil })
        #expect(strict.teams[0].findings[0].text.hasPrefix("Too few calls to say"))
        try FeedbackWriter.write(strict, to: directory + "/out")
        let page = try String(contentsOfFile: directory + "/out/advisors/solo.html", encoding: .utf8)
        #expect(page.contains("Too few calls to say") && !page.contains("averaged"))

        let lenient = try await FeedbackReport.build(from: database, configuration: FeedbackConfiguration(minimumCallsPerGroup: 3), scope: FeedbackScope())
        let finding = try #require(lenient.advisors.first?.findings.first)
        #expect(finding.behaviour == "deadAir" && finding.calls == 13)
        #expect(finding.text == "On your hardest-rated calls, dead air averaged 50 s versus 11 s on your easiest (3 and 10 calls).")
        #expect(lenient.advisors[0].findings.count == 1, "pace did not differ, so it is not claimed")
    }

    @Test func advisorCareFlagsRunsOfHighDistressCallsWithinAShift() async throws {
        let (database, _) = try await SyntheticStore.fresh()
        func call(_ agent: String, _ minute: Int, _ level: String) -> SyntheticCall {
            SyntheticCall(callId: "\(agent)-\(minute)", agentId: agent, team: "t", startedAt: SyntheticStore.time(day: 5, minute: minute), distressLevel: level, distressValue: level == "high" ? 0.9 : 0.1)
        }
        try await SyntheticStore.insert([
            call("x", 540, "high"), call("x", 560, "high"), call("x", 580, "high"), call("x", 600, "none"),
            call("y", 540, "high"), call("y", 560, "high"), call("y", 900, "high"),  // 15:00 is a new shift
            call("z", 540, "high"), call("z", 560, "none"), call("z", 580, "high"), call("z", 600, "elevated"),
        ], into: database)
        let report = try await FeedbackReport.build(from: database, configuration: FeedbackConfiguration(careRunLength: 3), scope: FeedbackScope())
        #expect(report.teams[0].care == [CareFlag(agentId: "x", callsInARow: 3, firstCallAt: SyntheticStore.time(day: 5, minute: 540), lastCallAt: SyntheticStore.time(day: 5, minute: 580))])
        let looser = try await FeedbackReport.build(from: database, configuration: FeedbackConfiguration(careRunLength: 2, careShiftGap: .seconds(8 * 3600)), scope: FeedbackScope())
        #expect(looser.teams[0].care.map { "\($0.agentId):\($0.callsInARow)" }.sorted() == ["x:3", "y:3"])
    }

    @Test func recognitionCountsTopBoxAnswersAndTheCurrentStreak() async throws {
        let (database, directory) = try await SyntheticStore.fresh()
        let answers = [7, 7, 3, 7, 7, 7]
        try await SyntheticStore.insert(answers.indices.map { SyntheticCall(callId: "r\($0)", agentId: "star", team: "t", startedAt: SyntheticStore.time(day: 6, minute: 500 + $0)) }, into: database)
        let csv = "callId,respondedAt,score\n" + answers.enumerated().map { "r\($0.offset),\(SyntheticStore.time(day: 6, minute: 700 + $0.offset)),\($0.element)" }.joined(separator: "\n")
        _ = try await SurveyImporter.importFile(try SyntheticStore.file(directory, "s.csv", csv), into: database, options: .init(scale: .ces2))
        let report = try await FeedbackReport.build(from: database, configuration: FeedbackConfiguration(), scope: FeedbackScope())
        #expect(report.teams[0].recognition == [Recognition(agentId: "star", topBox: 5, surveys: 6, streak: 3)])
        #expect(report.advisors[0].topBoxStreak == 3)
    }
}
