import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// `attune surveys import` and `attune feedback` end to end: exit codes and lines naming the file.
@Suite struct SurveysCommandTests {
    @Test func importExitsOneOnRejectedRowsAndThreeOnAnUnreadableFile() async throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-surveys-cli")
        let db = directory + "/results.db", file = directory + "/s.csv"
        try "callId,respondedAt,score\nc1,2026-11-02T10:00:00Z,6\nc2,2026-11-02T10:00:00Z,9\n".write(toFile: file, atomically: true, encoding: .utf8)
        // The stores exist (attune batch makes them): import never creates one (StoreAccessTests).
        for store in [db, directory + "/nine.db"] { _ = try await ResultsStore.open(store) }
        let rejected = try AnalyzeCommandTests.run(["surveys", "import", file, "--db", db, "--scale", "1:7:easier"])
        #expect(rejected.status == 1)
        #expect(rejected.standardError.contains("attune: \(file):3: scoreOffScale: score 9 is outside the scale 1–7, higher = easier"))
        #expect(rejected.standardError.contains("attune: \(file):2: unknownCall"))
        #expect(rejected.standardOutput.contains("2 row(s): 1 stored, 0 already stored, 1 rejected."))

        // The same file read as 1–9 (9 = least effort): every row is on that scale.
        let nine = try AnalyzeCommandTests.run(["surveys", "import", file, "--db", directory + "/nine.db", "--scale", "1:9:easier"])
        #expect(nine.status == 0)

        let missing = try AnalyzeCommandTests.run(["surveys", "import", directory + "/nope.csv", "--db", db])
        #expect(missing.status == 3)
        #expect(missing.standardError.contains("attune: error: \(directory)/nope.csv: cannot be read"))

        let badScale = try AnalyzeCommandTests.run(["surveys", "import", file, "--db", db, "--scale", "7:1:easier"])
        #expect(badScale.status == 64)
        #expect(badScale.standardError.contains("--scale expects MIN:MAX:easier or MIN:MAX:effort"))

        let feedback = try AnalyzeCommandTests.run(["feedback", "--db", db, "--out", directory + "/out", "--scale", "1:7:easier"])
        #expect(feedback.status == 0)
        #expect(FileManager.default.fileExists(atPath: directory + "/out/index.html") && FileManager.default.fileExists(atPath: directory + "/out/feedback.json"))
    }
}
