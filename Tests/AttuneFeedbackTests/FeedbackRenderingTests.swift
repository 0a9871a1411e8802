import AttuneFeedback
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// The feedback pages in headless Chromium: charts in the DOM, nothing fetched, a real screenshot.
@Suite struct FeedbackRenderingTests {
    static func chromium(_ arguments: [String], profile: String) throws -> (output: String, status: Int32) {
        try HeadlessChromium.run(arguments, profile: profile)
    }

    static func externalReferences(_ html: String) -> [String] { HeadlessChromium.externalReferences(html) }

    @Test func advisorAndTeamPagesRenderOfflineWithCharts() async throws {
        let (database, directory) = try await FeedbackTests.populatedStore()
        let report = try await FeedbackReport.build(from: database, configuration: FeedbackConfiguration(minimumCallsPerGroup: 3), scope: FeedbackScope())
        let out = directory + "/feedback"
        let files = try FeedbackWriter.write(report, to: out)
        #expect(files.contains("advisors/a1.html") && files.contains("teams/red.html") && files.contains("feedback.json") && files.contains("advisors.csv"))
        // A blank page's screenshot, to tell a rendered report from an empty one.
        let blank = try SyntheticStore.file(directory, "blank.html", "<!DOCTYPE html><html><body></body></html>")
        _ = try Self.chromium(["--screenshot=\(directory)/blank.png", "--window-size=1000,1400", "file://" + blank], profile: directory + "/profile-blank")
        let blankSize = try #require(try FileManager.default.attributesOfItem(atPath: directory + "/blank.png")[.size] as? Int)

        for page in ["advisors/a1.html", "teams/red.html"] {
            let path = out + "/" + page
            let html = try String(contentsOfFile: path, encoding: .utf8)
            #expect(Self.externalReferences(html).isEmpty, "\(page) refers to something off the machine: \(Self.externalReferences(html))")
            #expect(!html.contains("<script"), "\(page): no scripts")
            let dom = try Self.chromium(["--dump-dom", "file://" + path], profile: directory + "/profile-dom")
            #expect(dom.status == 0)
            #expect(dom.output.components(separatedBy: "<svg").count - 1 >= 2, "\(page): the trend and distribution charts are in the DOM")
            #expect(dom.output.contains("<rect") && dom.output.contains("<polyline") || page.hasPrefix("teams"))
            let png = directory + "/" + page.replacing("/", with: "-") + ".png"
            _ = try Self.chromium(["--screenshot=\(png)", "--window-size=1000,1400", "file://" + path], profile: directory + "/profile-shot")
            let data = try Data(contentsOf: URL(fileURLWithPath: png))
            #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(page): a PNG")
            #expect(data.count > 4 * blankSize && data.count > 20_000, "\(page): \(data.count) bytes against \(blankSize) for a blank page")
        }
        let advisorHTML = try String(contentsOfFile: out + "/advisors/a1.html", encoding: .utf8)
        #expect(advisorHTML.contains("On your hardest-rated calls") || advisorHTML.contains("Too few calls to say") || advisorHTML.contains("No behaviour differs"))
        // The checker itself catches what it must.
        #expect(Self.externalReferences("<img src=\"https://cdn.example/x.png\"><link href='//fonts.example/css'><style>a{background:url(http://x/y)}</style>").count == 3)
    }
}
