@testable import AttuneFeedback
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// Every advisor and team gets a page of its own (issue 14, item 6: `Billing/Payments` and
/// `Billing Payments` wrote the same `teams/Billing_Payments.html`, one lost while the command
/// reported both), under a name that does not change from run to run, and every link reaches it.
@Suite struct FeedbackFileNameTests {
    static let teams = ["Billing/Payments", "Billing Payments", "Billing_Payments", "billing_payments", "north", ""]
    static let advisors = ["a/1", "a 1", "a_1", "A17", "a?1", "..", "Zoë"]

    @Test func namesDifferingOnlyInPunctuationOrCaseGetPagesOfTheirOwn() async throws {
        let (database, directory) = try await SyntheticStore.fresh()
        var calls: [SyntheticCall] = []
        for (t, team) in Self.teams.enumerated() {
            for (a, advisor) in Self.advisors.enumerated() where (a + t) % 2 == 0 || a == t {
                calls.append(SyntheticCall(callId: "c\(t)-\(a)", agentId: advisor + (t == 0 ? "" : "-t\(t)"), team: team,
                                           startedAt: SyntheticStore.time(day: 2 + a, minute: 600 + t)))
            }
        }
        // The punctuation-only twins themselves, in one team each.
        calls.append(SyntheticCall(callId: "twin1", agentId: "Billing/Payments", team: "north", startedAt: SyntheticStore.time(day: 20, minute: 600)))
        calls.append(SyntheticCall(callId: "twin2", agentId: "Billing Payments", team: "north", startedAt: SyntheticStore.time(day: 20, minute: 610)))
        try await SyntheticStore.insert(calls, into: database)
        let report = try await FeedbackReport.build(from: database, configuration: FeedbackConfiguration(), scope: FeedbackScope())
        #expect(report.teams.map(\.team).sorted() == Self.teams.sorted())

        let out = directory + "/out"
        let files = try FeedbackWriter.write(report, to: out)
        let advisorPages = files.filter { $0.hasPrefix("advisors/") }, teamPages = files.filter { $0.hasPrefix("teams/") }
        #expect(advisorPages.count == report.advisors.count && teamPages.count == report.teams.count)
        // Distinct even where the file system ignores case, and every one on disk.
        #expect(Set(files.map { $0.lowercased() }).count == files.count)
        for file in files { #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file)") }

        // The index links each team, then each advisor, to its own page (its heading names it), and
        // every link of a team page reaches a page.
        func text(_ relative: String) throws -> String { try String(contentsOfFile: out + "/" + relative, encoding: .utf8) }
        func escaped(_ s: String) -> String {
            s.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;").replacing("\"", with: "&quot;")
        }
        let indexLinks = Self.links(try text("index.html"))
        #expect(indexLinks.count == report.teams.count + report.advisors.count)
        #expect(Set(indexLinks) == Set(advisorPages + teamPages))
        for (team, link) in zip(report.teams, indexLinks) {
            #expect(try text(link).contains("<h1>Team \(escaped(team.team.isEmpty ? "(no team)" : team.team))</h1>"), "\(team.team) → \(link)")
        }
        for (advisor, link) in zip(report.advisors, indexLinks.dropFirst(report.teams.count)) {
            #expect(try text(link).contains("<h1>Feedback for \(escaped(advisor.agentId))</h1>"), "\(advisor.agentId) → \(link)")
        }
        for team in teamPages {
            let links = Self.links(try text(team)).filter { $0.hasPrefix("../") }
            #expect(!links.isEmpty)
            for link in links { #expect(FileManager.default.fileExists(atPath: out + "/" + String(link.dropFirst(3))), "\(team) → \(link)") }
        }
        // Names made only of safe characters keep their own name; the others take a hash.
        #expect(files.contains("advisors/A17-t1.html") && files.contains("teams/north.html"))
        #expect(teamPages.contains { $0.hasPrefix("teams/Billing_Payments-") } && teamPages.contains { $0.hasPrefix("teams/no-team-") })
    }

    @Test func aNamesFileDoesNotDependOnTheOtherNames() {
        let alone = FeedbackWriter.pageNames(["Billing/Payments"], empty: "no-team")
        let together = FeedbackWriter.pageNames(["Billing/Payments", "Billing Payments", "Billing_Payments", "x"], empty: "no-team")
        #expect(alone["Billing/Payments"] == together["Billing/Payments"])
        #expect(together["Billing_Payments"] == "Billing_Payments" && together["x"] == "x")
        #expect(Set(together.values).count == 4)
        // Names that differ only in case both take their hash (a case-insensitive disk would merge them).
        let cased = FeedbackWriter.pageNames(["North", "north"], empty: "no-team")
        #expect(cased["North"] != cased["north"] && cased["North"]!.hasPrefix("North-") && cased["north"]!.hasPrefix("north-"))
        // A long name stays within a file name's length.
        let long = String(repeating: "é/", count: 400)
        #expect(FeedbackWriter.pageNames([long], empty: "no-team")[long]!.utf8.count <= 80)
    }

    /// The `href` values of a page.
    static func links(_ html: String) -> [String] {
        html.split(separator: "href=\"").dropFirst().map { part in
            String(part.prefix { $0 != "\"" }).replacing("&amp;", with: "&")
        }
    }
}
