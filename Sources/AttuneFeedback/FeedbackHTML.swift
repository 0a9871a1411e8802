import AttuneCalibration
import AttuneScoring
import AttuneStore

/// The feedback pages: self-contained HTML with inline SVG charts (no scripts, nothing fetched).
/// Advisor pages speak to the advisor about behaviour and timing only, never their emotion.
enum FeedbackHTML {
    static let style = """
        .finding { background: #f3f7fc; border-left: 4px solid #1565c0; padding: 0.4em 0.8em; margin: 0.4em 0; }
        .note { color: #555; font-size: 0.9em; }
        .care { background: #fff4e5; border-left: 4px solid #e65100; padding: 0.4em 0.8em; }
        """

    // MARK: - Pages

    /// - Parameter links: where the call explorer is (`attune serve`), to link each listed call and
    ///   moment to it; nil: plain text (the pages stay self-contained).
    static func advisorPage(_ advisor: AdvisorFeedback, report: FeedbackReport, links: CallLinks? = nil) -> String {
        var body = overview(
            heading: "Feedback for \(advisor.agentId)",
            note: "Team \(teamName(advisor.team)). Customer effort (CES) on the program's scale \(report.scale.summary). About how calls went: timing and behaviour, never how you felt.",
            summary: advisor.summary, extra: [("Top-box answers in a row (latest first)", String(advisor.topBoxStreak))],
            findingsHeading: "What differs between your easiest and hardest calls", findings: advisor.findings, behaviours: advisor.behaviours,
            own: true, scale: report.scale)
        body.append("<h2>Calls worth a listen</h2>")
        body.append("<p class=\"note\">\(escapeHTML(listenRule(advisor.summary, report: report)))</p>")
        if !advisor.disagreements.isEmpty {
            body.append("<p class=\"note\">Where the model's predicted effort and your customer's answer differed most. Moments are seconds into the call.</p>")
            body += callTable(advisor.disagreements.map {
                ListedCall(callId: $0.callId, startedAt: $0.startedAt, respondedAt: nil, surveyedCES: $0.surveyedCES, predictedCES: $0.predictedCES, comment: $0.comment, moments: $0.moments)
            }, links: links)
        } else if report.models.contains(where: { $0.marksCalls && advisor.summary.modelSha256s.contains($0.modelSha256) }) {
            body.append("<p>No surveyed call of yours differed by that much.</p>")
        }
        body.append("<h2>Your hard-rated calls</h2>")
        if advisor.hardRated.isEmpty {
            body.append("<p>No call of yours was rated hard by the customer.</p>")
        } else {
            body.append("<p class=\"note\">Your most recent calls that the customer rated hard (the hardest third of the scale), newest answer first, with what they said. Moments are seconds into the call.</p>")
            body += callTable(advisor.hardRated.map {
                ListedCall(callId: $0.callId, startedAt: $0.startedAt, respondedAt: $0.respondedAt, surveyedCES: $0.surveyedCES, predictedCES: $0.predictedCES, comment: $0.comment, moments: $0.moments)
            }, links: links)
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

        body.append("<h2>Agreement with customers, week by week</h2>")
        body.append("<p class=\"note\">\(escapeHTML(listenRule(team.summary, report: report)))</p>")
        body += agreementSection(team.agreementByWeek, scale: report.scale)

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
        body += modelTable(report.models)
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
            ("Calls worth a listen (beyond the model's usual error here)", String(summary.worthAListen)),
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
        let trend = weekChart(
            title: "\(who) mean CES by week", yLabel: "mean CES", yRange: scale.min...scale.max, yTicks: Array(stride(from: scale.min, through: scale.max, by: 1)),
            weeks: summary.trend.map { ($0.weekStarting, $0.meanCES, "\(FeedbackText.number($0.meanCES, places: 2)) over \($0.surveys) survey(s)") })
        out.append("<figure>\(trend)<figcaption>Mean answer per week (weeks start on Monday).</figcaption></figure>")
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

    /// A line through one value per week, with a marker and tooltip per week; weeks without a value
    /// (nil) keep their place on the axis but are not drawn.
    private static func weekChart(title: String, yLabel: String, yRange: ClosedRange<Double>, yTicks: [Double], weeks: [(week: String, value: Double?, tooltip: String)]) -> String {
        var chart = SVGChart(
            title: title, xLabel: "week starting", yLabel: yLabel, xRange: -0.5...Double(max(weeks.count, 1)) - 0.5, yRange: yRange, xTicks: [], yTicks: yTicks)
        let every = max(1, (weeks.count + 3) / 4)
        for index in stride(from: 0, to: weeks.count, by: every) {
            chart.xTicks.append(Double(index))
            chart.xTickLabels[Double(index)] = weeks[index].week
        }
        let drawn = weeks.enumerated().compactMap { entry in entry.element.value.map { (x: Double(entry.offset), y: $0, tooltip: "week of \(entry.element.week): \(entry.element.tooltip)") } }
        chart.line(drawn.map { ($0.x, $0.y) }, colour: "#1565c0")
        chart.bins(drawn.map { (x: $0.x, y: $0.y, count: 1, tooltip: $0.tooltip) }, colour: "#1565c0")
        return chart.svg
    }

    // MARK: - Model agreement

    /// Why calls are, or cannot be, marked worth a listen, for the models that scored this group's
    /// surveyed calls: only a model whose latest calibration on this centre's surveys shows
    /// agreement marks calls, beyond its error quantile.
    static func listenRule(_ summary: SurveySummary, report: FeedbackReport) -> String {
        let models = summary.modelSha256s.compactMap { sha in report.models.first { $0.modelSha256 == sha } }
        guard !models.isEmpty else { return "No call is marked worth a listen: no surveyed call has a predicted effort to compare with the answer." }
        guard models.count > 1 else {
            let model = models[0]
            return model.marksCalls ? "Calls are marked worth a listen \(listenThreshold(model))." : "No call is marked worth a listen: \(notMarkedReason(model))"
        }
        let sentences = models.map { model in
            "Calls scored by model \(model.name) " + (model.marksCalls ? "are marked worth a listen \(listenThreshold(model))." : "are not marked: \(notMarkedReason(model))")
        }
        return (models.contains(where: \.marksCalls) ? "" : "No call is marked worth a listen. ") + sentences.joined(separator: " ")
    }

    /// "when the model and the customer differ beyond the model's 90th-percentile error on this
    /// centre's surveys (2.0 points; held-out ρ 0.45 on 300 surveys)".
    private static func listenThreshold(_ model: ModelAgreement) -> String {
        guard let calibration = model.calibration else { return "" }
        let rho = "\(calibration.kind == "heldOut" ? "held-out ρ" : "ρ") \(FeedbackText.two(calibration.spearman, missing: "unknown"))"
        return "when the model and the customer differ beyond the model's \(ordinal(calibration.errorQuantile))-percentile error on this centre's surveys "
            + "(\(FeedbackText.number(calibration.errorQuantilePoints, places: 1)) points; \(rho) on \(calibration.surveys) surveys)"
    }

    /// Why a model's disagreements do not mark calls (it has no calibration, or its calibration shows no agreement).
    private static func notMarkedReason(_ model: ModelAgreement) -> String {
        let consequence = "so its disagreements with customers would show the model's own error, not coaching moments."
        guard let calibration = model.calibration else {
            return "model \(model.name) has not been calibrated on this centre's surveys yet, \(consequence) Run attune calibrate --db STORE."
        }
        let interval = calibration.spearmanLow.flatMap { low in calibration.spearmanHigh.map { "95 % interval \(FeedbackText.two(low)) to \(FeedbackText.two($0)), " } } ?? ""
        return "model \(model.name)'s latest calibration on this centre's surveys does not show agreement with the customers "
            + "(ρ \(FeedbackText.two(calibration.spearman, missing: "unknown")), \(interval)on \(calibration.surveys) surveys), \(consequence) "
            + "Recalibrate with attune calibrate --db STORE."
    }

    /// 0.9 → "90th", 0.95 → "95th".
    private static func ordinal(_ quantile: Double) -> String {
        let percent = Int((quantile * 100).rounded())
        let suffix = (11...13).contains(percent % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][percent % 10] ?? "th"
        return "\(percent)\(suffix)"
    }

    /// The weekly agreement of a team: table, ρ and bias charts, and what a drift means.
    private static func agreementSection(_ weeks: [WeekAgreement], scale: SurveyScale) -> [String] {
        guard !weeks.isEmpty else { return ["<p>No surveyed call with a predicted effort yet.</p>"] }
        var out = ["<p class=\"note\">How well the model's predicted effort matched the customers' answers each week (weeks start on Monday). "
            + "A falling ρ or a growing bias means the model has stopped matching the customers and should be recalibrated (attune calibrate --db STORE). "
            + "Bias is the answer minus the prediction in effort points: positive = customers found calls harder than predicted. ρ needs at least 3 surveys in a week.</p>"]
        out.append("<table><tr><th>Week starting</th><th>Surveys</th><th>Spearman ρ</th><th>Mean gap (points)</th><th>Bias (points)</th></tr>")
        for week in weeks {
            out.append("<tr><td>\(escapeHTML(week.weekStarting))</td><td>\(week.surveys)</td><td>\(FeedbackText.two(week.spearman))</td><td>\(FeedbackText.two(week.meanAbsoluteErrorPoints))</td><td>\(FeedbackText.two(week.biasPoints))</td></tr>")
        }
        out.append("</table>")
        let biasLimit = max(1, weeks.map { abs($0.biasPoints) }.max()!.rounded(.up))
        let rho = weekChart(
            title: "Agreement (Spearman ρ) by week", yLabel: "ρ", yRange: -1...1, yTicks: [-1, -0.5, 0, 0.5, 1],
            weeks: weeks.map { ($0.weekStarting, $0.spearman, "ρ \(FeedbackText.two($0.spearman)) over \($0.surveys) survey(s)") })
        let bias = weekChart(
            title: "Bias by week", yLabel: "answer − predicted (points)", yRange: -biasLimit...biasLimit, yTicks: [-biasLimit, 0, biasLimit],
            weeks: weeks.map { ($0.weekStarting, $0.biasPoints, "bias \(FeedbackText.two($0.biasPoints)) points over \($0.surveys) survey(s)") })
        out.append("<div class=\"plots\"><figure>\(rho)<figcaption>Rank agreement per week (1 = the model orders calls as customers do).</figcaption></figure>"
            + "<figure>\(bias)<figcaption>Positive = customers found calls harder than predicted (\(escapeHTML(scale.summary))).</figcaption></figure></div>")
        return out
    }

    /// The models that scored the calls, and what their latest calibration says.
    private static func modelTable(_ models: [ModelAgreement]) -> [String] {
        guard !models.isEmpty else { return [] }
        var out = ["<h2>Models</h2>", "<table><tr><th>Model</th><th>Calls scored</th><th>Surveys</th><th>Calibration</th><th>ρ [95 % interval]</th><th>Mean gap (points)</th><th>Bias (points)</th><th>Error quantile (points)</th><th>Marks calls worth a listen</th></tr>"]
        for model in models {
            let name = "<td>\(escapeHTML(model.name)) <span class=\"note\">\(escapeHTML(String(model.modelSha256.prefix(12))))</span></td><td>\(model.calls)</td><td>\(model.surveys)</td>"
            guard let c = model.calibration else {
                out.append("<tr>\(name)<td colspan=\"5\" style=\"text-align:left\">not calibrated on this centre's surveys (attune calibrate --db STORE)</td><td>no</td></tr>")
                continue
            }
            out.append("<tr>\(name)<td>\(c.kind == "heldOut" ? "held-out (fitted)" : escapeHTML(c.kind)), \(c.surveys) surveys, \(escapeHTML(c.createdAt))</td><td>\(FeedbackText.two(c.spearman)) [\(FeedbackText.two(c.spearmanLow)), \(FeedbackText.two(c.spearmanHigh))]</td><td>\(FeedbackText.two(c.meanAbsoluteErrorPoints))</td><td>\(FeedbackText.two(c.biasPoints))</td><td>\(ordinal(c.errorQuantile)): \(FeedbackText.two(c.errorQuantilePoints))</td><td>\(model.marksCalls ? "yes" : "no")</td></tr>")
        }
        out.append("</table>")
        return out
    }

    // MARK: - Calls

    /// A disagreement or a rated call, as a table row shows it.
    private struct ListedCall {
        var callId: String
        var startedAt: String?
        var respondedAt: String?
        var surveyedCES: Double
        var predictedCES: Double?
        var comment: String?
        var moments: [Moment]
    }

    /// Calls with the customer's answer and comment beside the model's prediction and the moments.
    private static func callTable(_ calls: [ListedCall], links: CallLinks?) -> [String] {
        let answered = calls.contains { $0.respondedAt != nil }
        var out = ["<table><tr><th>Call</th><th>Started</th>\(answered ? "<th>Answered</th>" : "")<th>Customer said</th><th>Model predicted</th><th>Customer's comment</th><th>Moments</th></tr>"]
        for call in calls {
            let moments = call.moments.map { moment in
                let text = escapeHTML(momentText(moment))
                return links.map { "<a href=\"\(escapeHTML($0.moment(call.callId, seconds: moment.startSeconds)))\">\(text)</a>" } ?? text
            }.joined(separator: "; ")
            let name = links.map { "<a href=\"\(escapeHTML($0.call(call.callId)))\">\(escapeHTML(call.callId))</a>" } ?? escapeHTML(call.callId)
            out.append("<tr><td>\(name)</td><td>\(escapeHTML(call.startedAt ?? "–"))</td>\(answered ? "<td>\(escapeHTML(call.respondedAt ?? "–"))</td>" : "")"
                + "<td>\(FeedbackText.number(call.surveyedCES))</td><td>\(call.predictedCES.map { FeedbackText.number($0) } ?? "–")</td>"
                + "<td style=\"text-align:left\">\(escapeHTML(call.comment ?? "–"))</td>"
                + "<td style=\"text-align:left\">\(moments.isEmpty ? "no dead air, interruptions or raised voices" : moments)</td></tr>")
        }
        out.append("</table>")
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
        return "<p class=\"note\">Easy-rated: answers in the easiest third of the scale (effort index ≤ \(FeedbackText.number(rules.easyMaximumEffortIndex, places: 2))); hard-rated: the hardest third (≥ \(FeedbackText.number(rules.hardMinimumEffortIndex, places: 2))). A difference is stated only with at least \(rules.minimumCallsPerGroup) calls in each group.\(rules.worthAListenPoints.map { " A call worth a listen also differs by at least \(FeedbackText.number($0, places: 2)) points." } ?? "") Each call's latest survey counts once.\(rules.since.map { " Calls since \(escapeHTML($0))." } ?? "")</p>"
    }
}
