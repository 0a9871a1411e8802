import AttuneFeedback
import AttuneScoring
@_spi(Inspection) import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// Survey files are read strictly (issue 14, items 6 and 10): JSON is never mistaken for CSV,
/// scores are plain decimal numbers, and response dates lie in the years 2000–2100.
@Suite struct SurveyValueTests {
    /// A JSON object was read as CSV and reported as "header lacks column(s)".
    @Test func aJSONObjectIsReportedAsJSONNamingTheFile() async throws {
        let (database, directory) = try await SyntheticStore.fresh()
        let object = try SyntheticStore.file(directory, "wrapped.json", """
            {"responses": [{"callId": "k1", "respondedAt": "2026-11-02T12:00:00Z", "score": 6}]}
            """)
        let error = await #expect(throws: SurveyFileError.self) { try await SurveyImporter.importFile(object, into: database, options: .init()) }
        #expect(error?.description.hasPrefix("\(object): is a JSON object: expected a JSON array of responses") == true, "\(error.map(String.init(describing:)) ?? "")")
        #expect(error?.description.contains("header") == false)
        // The same object in a file named .csv is still JSON, not a CSV header.
        let misnamed = try SyntheticStore.file(directory, "wrapped.csv", "\u{FEFF}  \n{\"callId\": \"k1\"}")
        let misnamedError = await #expect(throws: SurveyFileError.self) { try await SurveyImporter.importFile(misnamed, into: database, options: .init()) }
        #expect(misnamedError?.description.hasPrefix("\(misnamed): is a JSON object: expected a JSON array of responses") == true)
        // A .json file holding neither an array nor an object.
        let scalar = try SyntheticStore.file(directory, "scalar.json", "42\n")
        let scalarError = await #expect(throws: SurveyFileError.self) { try await SurveyImporter.importFile(scalar, into: database, options: .init()) }
        #expect(scalarError?.description.hasPrefix("\(scalar): is not a JSON array: expected a JSON array of responses") == true)
        // Broken JSON says so too.
        let broken = try SyntheticStore.file(directory, "broken.json", "[{\"callId\": ")
        let brokenError = await #expect(throws: SurveyFileError.self) { try await SurveyImporter.importFile(broken, into: database, options: .init()) }
        #expect(brokenError?.description.hasPrefix("\(broken): is not valid JSON: expected a JSON array of responses") == true)
        #expect(try await SurveyImportTests.count(database, "SELECT COUNT(*) FROM surveys") == 0)
    }

    /// `5<NUL>xyz` was stored as 5 and `0x1p2` as 4 (a C number parser reads them so).
    @Test func scoresArePlainDecimalNumbers() async throws {
        let (database, directory) = try await SyntheticStore.fresh()
        let rejected = ["5\u{0}xyz", "0x1p2", "4e0", "inf", "nan", "5.", ".5", "٥", "1_0", "5 5", "--5", "+", "0x5"]
        let accepted = ["5", "4.5", "+3", "007", "1.000"]
        var csv = "callId,respondedAt,score\n"
        for (n, score) in (rejected + accepted).enumerated() { csv += "c\(n),2026-11-02T12:00:00Z,\"\(score)\"\n" }
        let path = try SyntheticStore.file(directory, "scores.csv", csv)
        let report = try await SurveyImporter.importFile(path, into: database, options: .init(scale: .ces2))
        let malformed = report.issues.filter { $0.kind == .malformed }
        #expect(malformed.map(\.line) == Array(2..<(2 + rejected.count)))
        #expect(malformed.first?.message == "score \"5\\u{0}xyz\" is not a plain decimal number (such as 5 or 4.5)")
        #expect(malformed.allSatisfy { !$0.message.unicodeScalars.contains("\u{0}") })
        let stored = try await database.column("SELECT score FROM surveys ORDER BY line") as [Double]
        #expect(stored == [5, 4.5, 3, 7, 1])

        // The same in JSON: a string score is text to check; a JSON number is a number.
        let json = try SyntheticStore.file(directory, "scores.json", """
            [
              {"callId": "j1", "respondedAt": "2026-11-02T12:00:00Z", "score": "5\\u0000xyz"},
              {"callId": "j2", "respondedAt": "2026-11-02T12:00:00Z", "score": "0x1p2"},
              {"callId": "j3", "respondedAt": "2026-11-02T12:00:00Z", "score": 4.5},
              {"callId": "j4", "respondedAt": "2026-11-02T12:00:00Z", "score": 6e0}
            ]
            """)
        let jsonReport = try await SurveyImporter.importFile(json, into: database, options: .init(scale: .ces2))
        #expect(jsonReport.issues.filter { $0.kind == .malformed }.map(\.line) == [2, 3])
        #expect(jsonReport.stored == 2)
    }

    /// A response dated in the year 99999 was accepted.
    @Test func responseDatesLieInTheYears2000To2100() async throws {
        let (database, directory) = try await SyntheticStore.fresh()
        let rejected = ["99999-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2101-01-01", "0202-11-02T12:00:00Z", "2100-12-31T23:00:00-02:00"]
        let accepted = ["2000-01-01", "2100-12-31T23:59:59Z", "2026-11-02 12:00:00"]
        var csv = "callId,respondedAt,score\n"
        for (n, date) in (rejected + accepted).enumerated() { csv += "c\(n),\(date),5\n" }
        let path = try SyntheticStore.file(directory, "dates.csv", csv)
        let report = try await SurveyImporter.importFile(path, into: database, options: .init(scale: .ces2))
        let malformed = report.issues.filter { $0.kind == .malformed }
        #expect(malformed.map(\.line) == Array(2..<(2 + rejected.count)), "\(report.lines)")
        #expect(malformed.first?.message == "respondedAt \"99999-01-01T00:00:00Z\" is outside the years 2000–2100 (UTC)")
        let stored = try await database.column("SELECT respondedAt FROM surveys ORDER BY line") as [String]
        #expect(stored == ["2000-01-01T00:00:00Z", "2100-12-31T23:59:59Z", "2026-11-02T12:00:00Z"])
    }
}
