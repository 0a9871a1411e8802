public import AttuneScoring

/// The self-contained HTML form of a calibration run: the text report's figures as tables, and
/// reliability plots (inline SVG, no scripts, no network) for each model evaluated.
public enum CalibrationHTML {
    public static func render(dataset: CalibrationDataset, model: RuleModel, sha256: String, evaluations: [ModelEvaluation], folds: Int?) -> String {
        var body: [String] = []
        body.append("<h1>Calibration: \(escapeHTML(model.id)) \(escapeHTML(model.version))</h1>")
        body.append("<p>Data: \(escapeHTML(dataset.name)), \(dataset.examples.count) example(s)\(dataset.skipped.isEmpty ? "" : ", \(dataset.skipped.count) skipped"). Model sha256 <code>\(escapeHTML(sha256))</code>. Figures in brackets are bootstrap 95&nbsp;% intervals.</p>")
        if let folds {
            body.append("<p>Fitted figures are <strong>held out</strong>: each example was predicted by a fit that never saw its fold (\(folds) folds; a group's examples (a speaker, a call, an advisor or a week) stay in one fold).</p>")
        }
        for evaluation in evaluations {
            body.append("<section><h2>\(escapeHTML(evaluation.modelName))</h2>")
            if let effort = evaluation.effort { body += effortSection(effort) }
            if let distress = evaluation.distress { body += distressSection(distress, levels: model.distressLevels) }
            if !evaluation.folds.isEmpty { body += foldSection(evaluation.folds) }
            body.append("</section>")
        }
        if !dataset.skipped.isEmpty {
            body.append("<h2>Skipped</h2><ul>" + dataset.skipped.map { "<li>\(escapeHTML($0))</li>" }.joined() + "</ul>")
        }
        return HTMLPage.render(title: "Attune calibration: \(model.id) \(model.version)", body: body)
    }

    // MARK: - Effort

    static func effortSection(_ effort: EffortEvaluation) -> [String] {
        let scale = effort.scale
        let direction = scale.higherIsEasier ? "higher = easier" : "higher = more effort"
        var out = ["<h3>Effort against survey answers (\(effort.count) calls; scale \(n(scale.min))–\(n(scale.max)), \(direction))</h3>"]
        out.append("<table><tr><th>Measure</th><th>Value</th></tr>")
        out.append("<tr><td>Spearman ρ</td><td>\(CalibrationText.estimate(effort.spearman, places: 2))</td></tr>")
        out.append("<tr><td>Mean absolute error (points)</td><td>\(CalibrationText.estimate(effort.meanAbsoluteError, places: 2))</td></tr>")
        out.append("<tr><td>Within one point</td><td>\(CalibrationText.percentEstimate(effort.withinOne))</td></tr>")
        out.append("<tr><td>Bias (answer − predicted; + = harder than predicted)</td><td>\(CalibrationText.signedPoints(effort.biasPoints)) points</td></tr>")
        out.append("<tr><td>|Error|, 90th percentile</td><td>\(CalibrationText.number(effort.errorQuantileIndex * scale.span, places: 2)) points</td></tr>")
        out.append("<tr><td>Predictions pinned at a scale end</td><td>\(CalibrationText.percent(effort.pinnedShare))</td></tr></table>")
        if effort.weeks.count > 1 {
            out.append("<h4>Agreement per week of response (drift)</h4><table><tr><th>Week</th><th>Surveys</th><th>Spearman ρ</th><th>MAE</th><th>Bias</th></tr>")
            for (week, figures) in effort.weeks {
                out.append("<tr><td>\(escapeHTML(week))</td><td>\(figures.surveys)</td><td>\(figures.spearman.map { CalibrationText.number($0, places: 2) } ?? "–")</td><td>\(CalibrationText.number(figures.meanAbsoluteErrorPoints, places: 2))</td><td>\(CalibrationText.signedPoints(figures.biasPoints))</td></tr>")
            }
            out.append("</table>")
        }
        var chart = SVGChart(
            title: "Effort reliability", xLabel: "predicted (survey scale)", yLabel: "mean survey answer",
            xRange: scale.min...scale.max, yRange: scale.min...scale.max,
            xTicks: Array(stride(from: scale.min, through: scale.max, by: 1)), yTicks: Array(stride(from: scale.min, through: scale.max, by: 1)))
        chart.diagonal(from: (scale.min, scale.min), to: (scale.max, scale.max), label: "perfect calibration")
        chart.dots(effort.pairs.enumerated().map { index, pair in (pair.predicted, pair.answer + jitter(index)) }, colour: "#888")
        var bins: [(x: Double, y: Double, count: Int, tooltip: String)] = []
        for centre in stride(from: scale.min, through: scale.max, by: 1) {
            let members = effort.pairs.filter { ($0.predicted - centre).magnitude <= 0.5 && (centre == scale.max || $0.predicted - centre < 0.5) }
            guard !members.isEmpty else { continue }
            let predicted = members.map(\.predicted).reduce(0, +) / Double(members.count)
            let answer = members.map(\.answer).reduce(0, +) / Double(members.count)
            bins.append((predicted, answer, members.count, "predicted ≈ \(n(centre)): \(members.count) call(s), mean answer \(CalibrationText.number(answer, places: 2))"))
        }
        chart.bins(bins, colour: "#1565c0")
        out.append("<div class=\"plots\"><figure>\(chart.svg)<figcaption>Calls grouped by predicted effort (rounded to a whole point); a marker's area grows with its calls and lies on the dashed line when the prediction matches the answers on average. Grey dots are single calls.</figcaption></figure></div>")
        return out
    }

    static func foldSection(_ folds: [FoldAgreement]) -> [String] {
        var out = ["<h3>Per fold: held out, beside the starting model on the same calls</h3>",
                   "<table><tr><th>Fold</th><th>Groups</th><th>Surveys</th><th>ρ start</th><th>ρ fitted</th><th>MAE start</th><th>MAE fitted</th><th>Bias start</th><th>Bias fitted</th></tr>"]
        func rho(_ value: Double?) -> String { value.map { CalibrationText.number($0, places: 2) } ?? "–" }
        for fold in folds {
            out.append("<tr><td>\(fold.fold)</td><td>\(fold.groups)</td><td>\(fold.fitted.surveys)</td><td>\(rho(fold.starting.spearman))</td><td>\(rho(fold.fitted.spearman))</td>"
                + "<td>\(CalibrationText.number(fold.starting.meanAbsoluteErrorPoints, places: 2))</td><td>\(CalibrationText.number(fold.fitted.meanAbsoluteErrorPoints, places: 2))</td>"
                + "<td>\(CalibrationText.signedPoints(fold.starting.biasPoints))</td><td>\(CalibrationText.signedPoints(fold.fitted.biasPoints))</td></tr>")
        }
        out.append("</table>")
        return out
    }

    // MARK: - Distress

    static func distressSection(_ distress: DistressEvaluation, levels: DistressLevels) -> [String] {
        var out = ["<h3>Distress (\(distress.count) examples)</h3>", "<table><tr><th>Measure</th><th>Value</th></tr>"]
        out.append("<tr><td>ROC AUC, distressed vs all others</td><td>\(CalibrationText.estimate(distress.auc, places: 3))</td></tr>")
        if let reference = distress.referenceName {
            out.append("<tr><td>ROC AUC, distressed vs \(escapeHTML(reference)) only</td><td>\(CalibrationText.estimate(distress.aucAgainstReference, places: 3))</td></tr>")
            if let flagged = distress.referenceFlagged {
                out.append("<tr><td>\(escapeHTML(reference)) flagged elevated or high</td><td>\(CalibrationText.percent(flagged))</td></tr>")
                for group in distress.referenceFlaggedByGroup {
                    out.append("<tr><td>&nbsp;&nbsp;\(escapeHTML(group.group)) (\(group.count))</td><td>\(CalibrationText.percent(group.share))</td></tr>")
                }
            }
        }
        out.append("</table>")
        out.append("<table><tr><th>Label</th>" + DistressLevel.allCases.map { "<th>predicted \($0.rawValue)</th>" }.joined() + "<th>flagged</th><th>mean score</th></tr>")
        for row in distress.confusion {
            out.append("<tr><td>\(escapeHTML(row.label))</td>" + row.counts.map { "<td>\($0)</td>" }.joined()
                + "<td>\(CalibrationText.percent(row.flaggedShare))</td><td>\(CalibrationText.number(row.meanScore, places: 2))</td></tr>")
        }
        out.append("</table>")
        if !distress.cues.isEmpty {
            let excited = distress.cues.contains { $0.aloneAgainstExcited != nil }
            out.append("<table><tr><th>Cue</th><th>AUC alone</th><th>AUC of the model without it</th>" + (excited ? "<th>AUC alone, vs happy only</th>" : "") + "</tr>")
            func auc(_ value: Double?) -> String { value.map { CalibrationText.number($0, places: 3) } ?? "–" }
            for cue in distress.cues {
                out.append("<tr><td>\(escapeHTML(cue.input))</td><td>\(auc(cue.alone))</td><td>\(auc(cue.without))</td>" + (excited ? "<td>\(auc(cue.aloneAgainstExcited))</td>" : "") + "</tr>")
            }
            out.append("</table>")
        }
        // Reliability: share distressed per score bin of 0.1.
        var reliability = SVGChart(
            title: "Distress reliability", xLabel: "distress score", yLabel: "share labelled distressed",
            xRange: 0...1, yRange: 0...1, xTicks: [0, 0.2, 0.4, 0.6, 0.8, 1], yTicks: [0, 0.2, 0.4, 0.6, 0.8, 1])
        reliability.diagonal(from: (0, 0), to: (1, 1), label: "score = share distressed")
        reliability.verticalMarker(at: levels.elevated, label: "elevated")
        reliability.verticalMarker(at: levels.high, label: "high")
        reliability.dots(distress.pairs.enumerated().map { index, pair in (pair.score, (pair.distressed ? 0.98 : 0.02) + jitter(index) / 25) }, colour: "#888")
        var bins: [(x: Double, y: Double, count: Int, tooltip: String)] = []
        for bin in 0..<10 {
            let low = Double(bin) / 10, high = low + 0.1
            let members = distress.pairs.filter { $0.score >= low && ($0.score < high || (bin == 9 && $0.score <= 1)) }
            guard !members.isEmpty else { continue }
            let share = Double(members.count { $0.distressed }) / Double(members.count)
            let mean = members.map(\.score).reduce(0, +) / Double(members.count)
            bins.append((mean, share, members.count, "score \(CalibrationText.number(low))–\(CalibrationText.number(high)): \(members.count) example(s), \(CalibrationText.percent(share)) distressed"))
        }
        reliability.bins(bins, colour: "#c62828")
        // ROC curve.
        var roc = SVGChart(
            title: "ROC, distressed vs all others", xLabel: "false positive rate", yLabel: "true positive rate",
            xRange: 0...1, yRange: 0...1, xTicks: [0, 0.2, 0.4, 0.6, 0.8, 1], yTicks: [0, 0.2, 0.4, 0.6, 0.8, 1])
        roc.diagonal(from: (0, 0), to: (1, 1), label: "chance")
        roc.line(rocPoints(distress.pairs), colour: "#c62828")
        out.append("<div class=\"plots\"><figure>\(reliability.svg)<figcaption>Examples grouped by score (bins of 0.1); a marker's height is the share labelled distressed, its area grows with its examples. Grey dots are single examples (top: distressed, bottom: not). Dashed orange lines: the level thresholds.</figcaption></figure>")
        out.append("<figure>\(roc.svg)<figcaption>Every threshold's true and false positive rates; the area under the curve is the AUC above.</figcaption></figure></div>")
        return out
    }

    /// The ROC curve's corners, from the highest threshold down (ties step diagonally).
    static func rocPoints(_ pairs: [(score: Double, distressed: Bool)]) -> [(Double, Double)] {
        let positives = Double(pairs.count { $0.distressed }), negatives = Double(pairs.count { !$0.distressed })
        guard positives > 0, negatives > 0 else { return [] }
        let sorted = pairs.sorted { $0.score > $1.score }
        var points: [(Double, Double)] = [(0, 0)]
        var truePositives = 0.0, falsePositives = 0.0
        var index = 0
        while index < sorted.count {
            let score = sorted[index].score
            while index < sorted.count && sorted[index].score == score {
                if sorted[index].distressed { truePositives += 1 } else { falsePositives += 1 }
                index += 1
            }
            points.append((falsePositives / negatives, truePositives / positives))
        }
        return points
    }

    /// A small deterministic spread (−0.15 … 0.15) so equal answers do not hide each other.
    private static func jitter(_ index: Int) -> Double { Double((index * 37) % 31) / 100 - 0.15 }

    private static func n(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : CalibrationText.number(value) }
}
