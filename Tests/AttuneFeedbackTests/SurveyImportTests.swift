import AttuneBatch
import AttuneDSP
import AttuneFeedback
import AttunePipeline
import AttuneScoring
@_spi(Inspection) import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// `attune surveys import`: bad rows by line, idempotence, and pending surveys pairing later, on
/// both store backends.
@Suite struct SurveyImportTests {
    static func count(_ database: ResultsStore, _ sql: String) async throws -> Int {
        try await database.value(sql) ?? -1
    }

    static let known = [
        SyntheticCall(callId: "k1", agentId: "a1", team: "t", startedAt: SyntheticStore.time(day: 2, minute: 600)),
        SyntheticCall(callId: "k2", agentId: "a1", team: "t", startedAt: SyntheticStore.time(day: 2, minute: 620)),
    ]

    @Test(arguments: StoreKind.allCases) func eachKindOfBadRowIsReportedWithItsLine(_ kind: StoreKind) async throws {
        let (database, directory) = try await SyntheticStore.fresh(kind)
        try await SyntheticStore.insert(Self.known, into: database)
        let csv = """
            callId,respondedAt,score,comment,channel
            k1,2026-11-02T12:00:00Z,6,quick,sms
            k2,2026-11-02T12:05:00Z,8,,sms
            k2,yesterday,5,,sms
            k2,2026-11-02T12:05:00Z,lots,,sms
            ,2026-11-02T12:05:00Z,4,,sms
            nobody,2026-11-02T12:05:00Z,4,,ivr
            k1,2026-11-02T12:00:00Z,6,quick,sms
            k1,2026-11-03T09:00:00Z,2,changed my mind,email
            k2,2026-11-02T12:05:00Z,0,,sms
            k2,2026-11-02T12:06:00Z,3,,sms,extra
            """
        let path = try SyntheticStore.file(directory, "surveys.csv", csv)
        let report = try await SurveyImporter.importFile(path, into: database, options: SurveyImportOptions(scale: .ces2))
        let found = Set(report.issues.map { "\($0.kind.rawValue)@\($0.line)" })
        #expect(found == [
            "scoreOffScale@3", "malformed@4", "malformed@5", "malformed@6", "unknownCall@7", "duplicate@8", "secondResponse@9",
            "scoreOffScale@10", "malformed@11",
        ])
        #expect(report.rejected == 6)
        #expect(report.stored == 3, "k1 (twice, different answers) and the pending survey")
        #expect(report.counts == SurveyStoreCounts(responses: 3, paired: 2, pending: 1, callsWithSeveralResponses: 1))
        #expect(report.lines.first == "\(path):3: scoreOffScale: score 8 is outside the scale 1–7, higher = easier (a file on another scale needs --convert-from)")

        // The same rows as JSON: lines are the lines each object starts on.
        let json = """
            [
              {"callId": "k1", "respondedAt": "2026-11-02T12:00:00Z", "score": 6},
              {"callId": "k2", "respondedAt": "2026-11-02T12:05:00Z",
               "score": 9},
              {"callId": "k2", "respondedAt": "2026-11-02T12:05:00Z", "score": "lots"},
              {"callId": "k2", "respondedAt": "2026-11-02T12:05:00Z", "score": [1]}
            ]
            """
        let jsonReport = try await SurveyImporter.importFile(try SyntheticStore.file(directory, "surveys.json", json), into: database, options: SurveyImportOptions(scale: .ces2))
        #expect(Set(jsonReport.issues.map { "\($0.kind.rawValue)@\($0.line)" }) == ["scoreOffScale@3", "malformed@5", "malformed@6"])
        #expect(jsonReport.alreadyStored == 1)
    }

    @Test func anUnreadableOrHeaderlessFileIsATypedErrorNamingIt() async throws {
        let (database, directory) = try await SyntheticStore.fresh()
        let missing = directory + "/nope.csv"
        await #expect(throws: SurveyFileError.self) { try await SurveyImporter.importFile(missing, into: database, options: .init()) }
        let noHeader = try SyntheticStore.file(directory, "bad.csv", "k1,2026-11-02,6\n")
        do {
            _ = try await SurveyImporter.importFile(noHeader, into: database, options: .init())
            Issue.record("a file without the header was accepted")
        } catch let error as SurveyFileError {
            #expect(error.path == noHeader && error.line == 1)
            #expect(error.description.hasPrefix(noHeader + ":1: header lacks column(s) callId, respondedAt, score"))
        }
        let brokenJSON = try SyntheticStore.file(directory, "bad.json", "[{\"callId\": ")
        await #expect(throws: SurveyFileError.self) { try await SurveyImporter.importFile(brokenJSON, into: database, options: .init()) }
    }

    @Test(arguments: StoreKind.allCases) func reimportingTheSameFileChangesNothing(_ kind: StoreKind) async throws {
        let (database, directory) = try await SyntheticStore.fresh(kind)
        try await SyntheticStore.insert(Self.known, into: database)
        let path = try SyntheticStore.file(directory, "s.csv", """
            callId,respondedAt,score
            k1,2026-11-02T12:00:00Z,6
            k1,2026-11-04T12:00:00Z,3
            k2,2026-11-02T12:05:00Z,2
            later,2026-11-02T12:05:00Z,7
            """)
        let options = SurveyImportOptions(scale: .nine, convertFrom: .ces2)
        let first = try await SurveyImporter.importFile(path, into: database, options: options)
        #expect(first.stored == 4 && first.alreadyStored == 0)
        let snapshot = try await database.rows("SELECT callId, respondedAt, score, effortIndex FROM surveys ORDER BY id").map(\.values)
        let second = try await SurveyImporter.importFile(path, into: database, options: options)
        #expect(second.stored == 0 && second.alreadyStored == 4 && second.issues.isEmpty)
        let after = try await database.rows("SELECT callId, respondedAt, score, effortIndex FROM surveys ORDER BY id").map(\.values)
        #expect(after == snapshot)
        #expect(try await Self.count(database, "SELECT COUNT(*) FROM surveys") == 4)
        // Converted 1–7 → 1–9: 6 on CES 2.0 (index 1/6) is 1 + 8·5/6 on the 1–9 scale.
        let converted: Double? = try await database.value("SELECT score FROM surveys WHERE callId = 'k1' AND respondedAt LIKE '2026-11-02%'")
        let expected = ((9 - 8.0 / 6) * 1e6).rounded() / 1e6
        #expect(converted == expected)
    }

    @Test(arguments: StoreKind.allCases) func aLateArrivingCallGetsItsPendingSurvey(_ kind: StoreKind) async throws {
        let (database, directory) = try await SyntheticStore.fresh(kind)
        let path = try SyntheticStore.file(directory, "s.csv", "callId,respondedAt,score\nlate-1,2026-11-02T12:00:00Z,2\n")
        let report = try await SurveyImporter.importFile(path, into: database, options: .init(scale: .ces2))
        #expect(report.issues.map(\.kind) == [.unknownCall] && report.counts.pending == 1)
        #expect(try await Self.count(database, "SELECT COUNT(*) FROM surveyPairs") == 0)

        // The call arrives through a real batch (one fixture recording, scored by the shipped model).
        let manifest = try SyntheticStore.file(directory, "night.csv", """
            file,callId,agentId,team,startedAt
            \(RepositoryPaths.fixtureCalls)/heated-clean.flac,late-1,a9,blue,2026-11-02T11:50:00Z
            """)
        let model = try LoadedModel.load(path: RepositoryPaths.defaultModel)
        let run = try await BatchRunner(database: database, configuration: .default, jobs: 1, model: model)
            .run(try BatchSource.load(manifest), sourceDescription: "late", shard: nil)
        #expect(run.progress.analyzed == 1)
        #expect(try await database.surveyCounts() == SurveyStoreCounts(responses: 1, paired: 1, pending: 0, callsWithSeveralResponses: 0))
        let pair = try #require(try await database.rows("SELECT * FROM surveyPairs").first)
        let predicted: Double = pair["predictedScore"], effortIndex: Double = pair["predictedEffortIndex"]
        let stored = try #require(try await database.report(callId: "late-1")?.scores)
        #expect(abs(effortIndex - stored.effort.index) < 1e-9, "the pair carries the call's own predicted effort")
        #expect(abs(predicted - SurveyScale.ces2.value(forEffortIndex: stored.effort.index)) < 1e-9)
        #expect(abs(predicted - stored.effort.value) < 0.01, "the report rounds its value")
        let difference: Double = pair["differencePoints"]
        #expect(abs(difference - (5.0 / 6 - effortIndex) * 6) < 1e-9)

        let feedback = try await FeedbackReport.build(from: database, configuration: FeedbackConfiguration(), scope: FeedbackScope())
        let advisor = try #require(feedback.advisors.first)
        #expect(advisor.agentId == "a9" && advisor.team == "blue" && advisor.summary.surveys == 1 && advisor.summary.meanCES == 2)
    }
}
