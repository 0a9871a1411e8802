import AttuneCalibration
import AttuneScoring

/// The feedback pages: self-contained HTML with inline SVG charts (no scripts, nothing fetched).
/// Advisor pages speak to the advisor about behaviour and timing only, never their emotion.
enum FeedbackHTML {
    static let style = """
        .finding { background: #f3f7fc; border-left: 4px solid #1565c0; padding: 0.4em 0.8em; margin: 0.4em 0; }
        .note { color: #555; font-size: 0.9em; }
        .care { background: #fff4e5; border-left: 4px solid #e65100; padding: 0.4em 0.8em; }
        """

    // MARK: - Pages

    static func advisorPage(_ advisor: AdvisorFeedback, report: FeedbackReport) -> String {
        var body = overview(
            heading: "Feedback for \(advisor.agentId)",
            note: "Team \(teamName(advisor.team)). Customer effort (CES) on the program's scale \(report.scale.summary). About how calls went: timing and behaviour, never how you felt.",
            summary: advisor.summary, extra: [("Top-box answers in a row (latest first)", String(advisor.topBoxStreak))],
            findingsHeading: "What differs between your easiest and hardest calls", findings: advisor.findings, behaviours: advisor.behaviours,
            own: true, scale: report.scale)
        body.append("<h2>Calls worth a listen</h2>")
        if advisor.disagreements.isEmpty {
            body.append("<p>No surveyed call where the model and the customer differed by \(FeedbackText.number(report.rules.worthAListenPoints, places: 1)) points or more.</p>")
        } else {
            body.append("<p class=\"note\">Where the model's predicted effort and the customer's answer differed most (\(FeedbackText.number(report.rules.worthAListenPoints, places: 1)) points or more). Moments are seconds into the call.</p>")
            body.append("<table><tr><th>Call</th><th>Started</th><th>Customer said</th><th>Model predicted</th><th>Moments</th></tr>")
            for call in advisor.disagreements {
                let moments = call.moments.map(momentText).joined(separator: "; ")
                body.append("<tr><td>\(escapeHTML(call.callId))</td><td>\(escapeHTML(call.startedAt ?? "–"))</td><td>\(FeedbackText.number(call.surveyedCES))</td><td>\(FeedbackText.number(call.predictedCES))</td><td style=\"text-align:left\">\(escapeHTML(moments.isEmpty ? "no dead air, interruptions or raised voices" : moments))</td></tr>")
            }
            body.append("</table>")
        }
        body.append(rulesNote(report))
        return HTMLPage.render(title: "Attune feedback: \(advisor.agentId)", body: body, style: style)
    }

    static func teamPage(_ team: TeamFeedback, advisors: [AdvisorFeedback], report: FeedbackReport, advisorLink: (String) -> String) -> String {
        var body = overview(
            heading: "Team \(teamName(team.team))",
            note: "\(team.advisors) advisor(s). Customer effort (CES) on the program's scale \(report.scale.summary).",
            summary: team.summary, extra: [], findingsHeading: "Behaviours most associated with low CES", findings: team.findings,
            behaviours: team.behaviours, own: false, scale: report.scale)

        body.append("<h2>Advisor care</h2>")
        if team.care.isEmpty {
            body.append("<p>No advisor took \(report.rules.careRunLength) or more high-distress calls in a row within a shift.</p>")
        } else {
            body.append("<p class=\"care\">These advisors took several calls in a row with a highly distressed customer; consider offering a break.</p>")
            body.append("<table><tr><th>Advisor</th><th>Calls in a row</th><th>From</th><th>To</th></tr>")
            for flag in team.care {
                body.append("<tr><td>\(escapeHTML(flag.agentId))</td><td>\(flag.callsInARow)</td><td>\(escapeHTML(flag.firstCallAt))</td><td>\(escapeHTML(flag.lastCallAt))</td></tr>")
            }
            body.append("</table>")
        }

        body.append("<h2>Distressed customers (\(team.distressedCalls.count) call(s))</h2>")
        let shown = team.distressedCalls.prefix(50)
        if !shown.isEmpty {
            body.append("<table><tr><th>Call</th><th>Advisor</th><th>Started</th><th>Distress (0–1)</th></tr>")
            for call in shown {
                body.append("<tr><td>\(escapeHTML(call.callId))</td><td>\(escapeHTML(call.agentId))</td><td>\(escapeHTML(call.startedAt ?? "–"))</td><td>\(FeedbackText.optional(call.distress))</td></tr>")
            }
            body.append("</table>")
            if team.distressedCalls.count > shown.count { body.append("<p class=\"note\">The 50 most recent; all are in distressed-calls.csv.</p>") }
        }

        body.append("<h2>Recognition board</h2>")
        body.append("<table><tr><th>Advisor</th><th>Top-box answers</th><th>Surveys</th><th>Current streak</th></tr>")
        for entry in team.recognition {
            body.append("<tr><td>\(escapeHTML(entry.agentId))</td><td>\(entry.topBox)</td><td>\(entry.surveys)</td><td>\(entry.streak)</td></tr>")
        }
        body.append("</table>")

        body.append("<h2>Advisors</h2>")
        body.append("<table><tr><th>Advisor</th><th>Calls</th><th>Surveys</th><th>Mean CES</th><th>Mean predicted</th><th>High-distress calls</th></tr>")
        for advisor in advisors {
            let s = advisor.summary
            body.append("<tr><td><a href=\"\(escapeHTML(advisorLink(advisor.agentId)))\">\(escapeHTML(advisor.agentId))</a></td><td>\(s.calls)</td><td>\(s.surveys)</td><td>\(FeedbackText.optional(s.meanCES))</td><td>\(FeedbackText.optional(s.meanPredictedCES))</td><td>\(s.highDistressCalls)</td></tr>")
        }
        body.append("</table>")
        body.append(rulesNote(report))
        return HTMLPage.render(title: "Attune feedback: team \(teamName(team.team))", body: body, style: style)
    }

    static func indexPage(_ report: FeedbackReport, teamLink: (String) -> String, advisorLink: (String) -> String) -> String {
        var body = ["<h1>Attune feedback</h1>", "<h2>Teams</h2><ul>"]
        body += report.teams.map { "<li><a href=\"\(escapeHTML(teamLink($0.team)))\">\(escapeHTML(teamName($0.team)))</a> (\($0.advisors) advisor(s), \($0.summary.surveys) survey(s))</li>" }
        body.append("</ul><h2>Advisors</h2><ul>")
        body += report.advisors.map { "<li><a href=\"\(escapeHTML(advisorLink($0.agentId)))\">\(escapeHTML($0.agentId))</a></li>" }
        body.append("</ul>")
        return HTMLPage.render(title: "Attune feedback", body: body, style: style)
    }

    // MARK: - Parts

    /// Heading, note, summary table, findings, behaviour table and charts: the top of both pages.
    private static func overview(
        heading: String, note: String, summary: SurveySummary, extra: [(String, String)], findingsHeading: String, findings: [Finding],
        behaviours: [BehaviourComparison], own: Bool, scale: SurveyScale
    ) -> [String] {
        var body = ["<h1>\(escapeHTML(heading))</h1>", "<p class=\"note\">\(escapeHTML(note))</p>"]
        body += summaryTable(summary, scale: scale, extra: extra)
        body.append("<h2>\(escapeHTML(findingsHeading))</h2>")
        body += findings.map { "<p class=\"finding\">\(escapeHTML($0.text))</p>" }
        body += behaviourTable(behaviours, own: own)
        body += charts(summary, scale: scale, who: own ? "Your" : "Team")
        return body
    }

    static func teamName(_ team: String) -> String { team.isEmpty ? "(no team)" : team }

    private static func summaryTable(_ summary: SurveySummary, scale: SurveyScale, extra: [(String, String)]) -> [String] {
        var rows: [(String, String)] = [
            ("Calls", String(summary.calls)),
            ("Calls with a survey", String(summary.surveys)),
            ("Mean CES", FeedbackText.optional(summary.meanCES)),
            ("Mean predicted effort (same scale)", FeedbackText.optional(summary.meanPredictedCES)),
            ("Mean gap between model and customer (points)", FeedbackText.optional(summary.meanAbsoluteDifferencePoints)),
            ("Calls worth a listen (large disagreement)", String(summary.worthAListen)),
            ("Top-box answers", String(summary.topBox)),
            ("Calls with a highly distressed customer", String(summary.highDistressCalls)),
        ]
        rows += extra
        return ["<table>"] + rows.map { "<tr><td>\(escapeHTML($0.0))</td><td>\(escapeHTML($0.1))</td></tr>" } + ["</table>"]
    }

    private static func behaviourTable(_ behaviours: [BehaviourComparison], own: Bool) -> [String] {
        var out = ["<table><tr><th>Behaviour</th><th>Easy-rated calls</th><th>Hard-rated calls</th><th>\(own ? "All your calls" : "All calls")</th><th>Team median</th></tr>"]
        for comparison in behaviours {
            let behaviour = Behaviour.all.first { $0.key == comparison.behaviour }!
            let label = escapeHTML(own ? behaviour.ownLabel : behaviour.label)
            guard comparison.measured else {
                out.append("<tr><td>\(label)</td><td colspan=\"4\" style=\"text-align:left\">not measured by the store yet</td></tr>")
                continue
            }
            func cell(_ value: Double?, _ calls: Int?) -> String {
                guard let value else { return "<td>–</td>" }
                return "<td>\(escapeHTML(behaviour.display(value)))\(calls.map { " <span class=\"note\">(\($0))</span>" } ?? "")</td>"
            }
            out.append("<tr><td>\(label)</td>\(cell(comparison.easyMean, comparison.easyCalls))\(cell(comparison.hardMean, comparison.hardCalls))\(cell(comparison.overallMean, nil))\(cell(comparison.teamMedian, nil))</tr>")
        }
        out.append("</table><p class=\"note\">Means per call; calls behind each mean in brackets.</p>")
        return out
    }

    private static func charts(_ summary: SurveySummary, scale: SurveyScale, who: String) -> [String] {
        var out = ["<div class=\"plots\">"]
        // Trend: mean CES per week.
        let weeks = summary.trend
        var trend = SVGChart(
            title: "\(who) mean CES by week", xLabel: "week starting", yLabel: "mean CES",
            xRange: -0.5...Double(max(weeks.count, 1)) - 0.5, yRange: scale.min...scale.max,
            xTicks: [], yTicks: Array(stride(from: scale.min, through: scale.max, by: 1)))
        let every = max(1, (weeks.count + 3) / 4)
        for index in stride(from: 0, to: weeks.count, by: every) {
            trend.xTicks.append(Double(index))
            trend.xTickLabels[Double(index)] = weeks[index].weekStarting
        }
        let points = weeks.enumerated().map { (Double($0.offset), $0.element.meanCES) }
        trend.line(points, colour: "#1565c0")
        trend.bins(weeks.enumerated().map { (x: Double($0.offset), y: $0.element.meanCES, count: 1, tooltip: "week of \($0.element.weekStarting): \(FeedbackText.number($0.element.meanCES, places: 2)) over \($0.element.surveys) survey(s)") }, colour: "#1565c0")
        out.append("<figure>\(trend.svg)<figcaption>Mean answer per week (weeks start on Monday).</figcaption></figure>")
        // Distribution: answers per whole point.
        let top = Double(summary.distribution.map(\.count).max() ?? 1)
        var distribution = SVGChart(
            title: "\(who) CES answers", xLabel: "answer (\(scale.summary))", yLabel: "surveys",
            xRange: (scale.min - 0.5)...(scale.max + 0.5), yRange: 0...max(top, 1),
            xTicks: Array(stride(from: scale.min, through: scale.max, by: 1)), yTicks: [0, max(top, 1)])
        distribution.bars(summary.distribution.map { (x: Double($0.answer), value: Double($0.count), tooltip: "\($0.answer): \($0.count) survey(s)") }, barWidth: 0.7, colour: "#2e7d32")
        out.append("<figure>\(distribution.svg)<figcaption>How many surveys gave each answer.</figcaption></figure>")
        out.append("</div>")
        return out
    }

    private static func momentText(_ moment: Moment) -> String {
        let span = "\(FeedbackText.number(moment.startSeconds, places: 1))–\(FeedbackText.number(moment.endSeconds, places: 1)) s"
        switch moment.type {
        case "deadAir": return "dead air \(span)"
        case "interruption": return "interruption by the \(moment.party ?? "caller") \(span)"
        case "energySpike": return "\(moment.party ?? "someone") raised voice \(span)"
        default: return "\(moment.type) \(span)"
        }
    }

    private static func rulesNote(_ report: FeedbackReport) -> String {
        let rules = report.rules
        return "<p class=\"note\">Easy-rated: answers in the easiest third of the scale (effort index ≤ \(FeedbackText.number(rules.easyMaximumEffortIndex, places: 2))); hard-rated: the hardest third (≥ \(FeedbackText.number(rules.hardMinimumEffortIndex, places: 2))). A difference is stated only with at least \(rules.minimumCallsPerGroup) calls in each group. Each call's latest survey counts once.\(rules.since.map { " Calls since \(escapeHTML($0))." } ?? "")</p>"
    }
}
