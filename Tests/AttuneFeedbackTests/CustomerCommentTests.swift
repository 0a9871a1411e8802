import AttuneFeedback
import AttuneScoring
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// The customer's survey comment beside the call: in the calls worth a listen and in each advisor's
/// hard-rated calls, in the JSON, the page (escaped) and the CSV (quoted).
@Suite struct CustomerCommentTests {
    static let awkward = "Waited <20 min> & \"hung up\", twice"

    @Test func commentsAppearBesideDisagreementsAndHardRatedCalls() async throws {
        let (database, directory) = try await SyntheticStore.fresh()
        var c1 = SyntheticCall(callId: "c1", agentId: "c", team: "t", startedAt: SyntheticStore.time(day: 10, minute: 500), predictedEffortIndex: 0)
        c1.events = [("deadAir", nil, 30, 52.5)]
        try await SyntheticStore.insert([
            c1,
            SyntheticCall(callId: "c2", agentId: "c", team: "t", startedAt: SyntheticStore.time(day: 12, minute: 500), predictedEffortIndex: 0.9),
            SyntheticCall(callId: "c3", agentId: "c", team: "t", startedAt: SyntheticStore.time(day: 11, minute: 500), predictedEffortIndex: nil),
            SyntheticCall(callId: "c4", agentId: "c", team: "t", startedAt: SyntheticStore.time(day: 13, minute: 500), predictedEffortIndex: 0.5),
            SyntheticCall(callId: "c5", agentId: "c", team: "t", startedAt: SyntheticStore.time(day: 14, minute: 500), predictedEffortIndex: 0.5),
            SyntheticCall(callId: "c6", agentId: "c", team: "t", startedAt: SyntheticStore.time(day: 8, minute: 500), predictedEffortIndex: 0.5),
        ], into: database)
        let escapedJSON = Self.awkward.replacing("\"", with: "\\\"")
        let json = """
            [
              {"callId": "c1", "respondedAt": "2026-11-10T15:00:00Z", "score": 1, "comment": "\(escapedJSON)"},
              {"callId": "c2", "respondedAt": "2026-11-12T15:00:00Z", "score": 2, "comment": "Fine in the end"},
              {"callId": "c3", "respondedAt": "2026-11-11T15:00:00Z", "score": 3},
              {"callId": "c4", "respondedAt": "2026-11-13T15:00:00Z", "score": 6, "comment": "Quick"},
              {"callId": "c5", "respondedAt": "2026-11-14T15:00:00Z", "score": 4},
              {"callId": "c6", "respondedAt": "2026-11-09T15:00:00Z", "score": 1, "comment": "Awful"},
              {"callId": "c6", "respondedAt": "2026-11-15T15:00:00Z", "score": 7, "comment": "Sorted out after all"}
            ]
            """
        let imported = try await SurveyImporter.importFile(try SyntheticStore.file(directory, "s.json", json), into: database, options: .init(scale: .ces2))
        #expect(imported.stored == 7 && imported.rejected == 0)
        try await SyntheticStore.calibrate(database, errorQuantileIndex: 0.25, spearmanLow: 0.2)

        // Hard-rated: answers 1–3 by each call's latest response (c6's latest is 7), newest response first.
        let report = try await FeedbackReport.build(from: database, configuration: FeedbackConfiguration(), scope: FeedbackScope())
        let advisor = try #require(report.advisors.first)
        #expect(advisor.hardRated.map(\.callId) == ["c2", "c3", "c1"])
        #expect(advisor.hardRated.map(\.comment) == ["Fine in the end", nil, Self.awkward])
        #expect(advisor.hardRated.map(\.respondedAt) == ["2026-11-12T15:00:00Z", "2026-11-11T15:00:00Z", "2026-11-10T15:00:00Z"])
        #expect(advisor.hardRated.map(\.surveyedCES) == [2, 3, 1])
        #expect(advisor.hardRated[1].predictedCES == nil && advisor.hardRated[2].predictedCES == 7)
        #expect(advisor.hardRated[2].moments.map { "\($0.type) \($0.party ?? "-") \($0.startSeconds)-\($0.endSeconds)" } == ["deadAir - 30.0-52.5"])
        let capped = try await FeedbackReport.build(from: database, configuration: FeedbackConfiguration(hardRatedPerAdvisor: 2), scope: FeedbackScope())
        #expect(capped.advisors.first?.hardRated.map(\.callId) == ["c2", "c3"])

        // Worth a listen beyond 0.25 (index): c1 (1), c6 (0.5, latest answer), c4 (1/3); with their comments.
        #expect(advisor.disagreements.map(\.callId) == ["c1", "c6", "c4"])
        #expect(advisor.disagreements.map(\.comment) == [Self.awkward, "Sorted out after all", "Quick"])

        let out = directory + "/out"
        try FeedbackWriter.write(report, to: out)
        let decoded = try JSONDecoder().decode(FeedbackReport.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/feedback.json")))
        #expect(decoded == report)
        let rawJSON = try String(contentsOfFile: out + "/feedback.json", encoding: .utf8)
        #expect(rawJSON.components(separatedBy: "\"comment\" : \"\(escapedJSON)\"").count - 1 == 2, "in the disagreements and the hard-rated calls")

        let page = try String(contentsOfFile: out + "/advisors/c.html", encoding: .utf8)
        let escapedHTML = "Waited &lt;20 min&gt; &amp; &quot;hung up&quot;, twice"
        #expect(page.components(separatedBy: "<td style=\"text-align:left\">\(escapedHTML)</td>").count - 1 == 2)
        #expect(!page.contains("<20 min>"))
        #expect(page.contains("<td style=\"text-align:left\">Sorted out after all</td>") && page.contains("<td style=\"text-align:left\">Fine in the end</td>"))
        #expect(!page.contains("Awful"), "a superseded response's comment is not shown")

        let quoted = "\"Waited <20 min> & \"\"hung up\"\", twice\""
        let hardRated = try String(contentsOfFile: out + "/hard-rated.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(hardRated.first == "agentId,callId,startedAt,respondedAt,surveyedCES,predictedCES,comment,moments")
        #expect(hardRated.last == "c,c1,\(SyntheticStore.time(day: 10, minute: 500)),2026-11-10T15:00:00Z,1.0000,7.0000,\(quoted),deadAir 30.000-52.500")
        #expect(hardRated[2] == "c,c3,\(SyntheticStore.time(day: 11, minute: 500)),2026-11-11T15:00:00Z,3.0000,,,")
        let disagreements = try String(contentsOfFile: out + "/disagreements.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(disagreements.first == "agentId,callId,startedAt,surveyedCES,predictedCES,differencePoints,comment,moments")
        #expect(disagreements[1] == "c,c1,\(SyntheticStore.time(day: 10, minute: 500)),1.0000,7.0000,6.0000,\(quoted),deadAir 30.000-52.500")

        // Without an explorer the pages link nowhere; with one, each listed call and moment links
        // to its page (the moment to its second), ids percent-encoded.
        #expect(!page.contains("/calls/"))
        let linked = directory + "/linked"
        try FeedbackWriter.write(report, to: linked, links: CallLinks(baseURL: "https://attune.example:8443/"))
        let linkedPage = try String(contentsOfFile: linked + "/advisors/c.html", encoding: .utf8)
        #expect(linkedPage.components(separatedBy: #"<a href="https://attune.example:8443/calls/c1">c1</a>"#).count - 1 == 2, "in both lists")
        #expect(linkedPage.contains(#"<a href="https://attune.example:8443/calls/c1#t=30.0">dead air 30.0–52.5 s</a>"#))
        #expect(CallLinks(baseURL: "").moment("a b/c", seconds: 12.34) == "/calls/a%20b%2Fc#t=12.3")
    }
}
