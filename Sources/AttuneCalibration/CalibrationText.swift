public import AttuneScoring

/// The plain-text form of a calibration run.
public enum CalibrationText {
    public static func render(dataset: CalibrationDataset, model: RuleModel, sha256: String, evaluations: [ModelEvaluation], folds: Int?) -> String {
        var lines: [String] = []
        lines.append("Calibration on \(dataset.name): \(dataset.examples.count) example(s)" + (dataset.skipped.isEmpty ? "" : ", \(dataset.skipped.count) skipped"))
        lines.append("Model \(model.id) \(model.version) (sha256 \(sha256.prefix(12))…); 95 % bootstrap intervals in brackets")
        if let folds { lines.append("Fitted figures are held out: each example predicted by a fit that never saw its fold (\(folds) folds; a group's examples (a speaker, a call, an advisor or a week) stay in one fold).") }
        for evaluation in evaluations {
            lines.append("")
            lines.append("[\(evaluation.modelName)]")
            if let effort = evaluation.effort {
                lines.append("Effort vs survey answers (\(effort.count) calls, scale \(number(effort.scale.min))–\(number(effort.scale.max)), \(effort.scale.higherIsEasier ? "higher = easier" : "higher = more effort")):")
                lines.append("  Spearman ρ \(estimate(effort.spearman, places: 2))   MAE \(estimate(effort.meanAbsoluteError, places: 2)) points   within one point \(percentEstimate(effort.withinOne))")
                lines.append("  bias \(signedPoints(effort.biasPoints)) points (answer − predicted; + = customers found calls harder)   |error| 90th percentile \(number(effort.errorQuantileIndex * effort.scale.span, places: 2)) points   pinned at a scale end \(percent(effort.pinnedShare))")
                if effort.weeks.count > 1 {
                    lines.append("  per week of response (drift): week, surveys, ρ, MAE, bias")
                    for (week, figures) in effort.weeks {
                        lines.append("    \(week)  " + String(figures.surveys).leftPad(6) + "  " + (figures.spearman.map { number($0, places: 2) } ?? "–").leftPad(5)
                            + "  " + number(figures.meanAbsoluteErrorPoints, places: 2).leftPad(5) + "  " + signedPoints(figures.biasPoints).leftPad(6))
                    }
                }
            }
            if !evaluation.folds.isEmpty {
                lines.append("  per fold (held out; the starting model on the same calls): fold, groups, surveys, ρ start → fitted, MAE start → fitted, bias start → fitted")
                for fold in evaluation.folds {
                    func pair(_ a: Double?, _ b: Double?, signed: Bool = false) -> String {
                        func text(_ v: Double?) -> String { v.map { signed ? signedPoints($0) : number($0, places: 2) } ?? "–" }
                        return "\(text(a)) → \(text(b))"
                    }
                    lines.append("    \(fold.fold)  " + String(fold.groups).leftPad(5) + String(fold.fitted.surveys).leftPad(8)
                        + "   " + pair(fold.starting.spearman, fold.fitted.spearman).rightPad(14)
                        + pair(fold.starting.meanAbsoluteErrorPoints, fold.fitted.meanAbsoluteErrorPoints).rightPad(14)
                        + pair(fold.starting.biasPoints, fold.fitted.biasPoints, signed: true))
                }
            }
            if let distress = evaluation.distress {
                lines.append("Distress (\(distress.count) examples): ROC AUC distressed vs all others \(estimate(distress.auc, places: 3))")
                if let reference = distress.referenceName {
                    lines.append("  vs \(reference) only \(estimate(distress.aucAgainstReference, places: 3))")
                    if let flagged = distress.referenceFlagged {
                        let groups = distress.referenceFlaggedByGroup.map { "\($0.group) \(percent($0.share)) of \($0.count)" }.joined(separator: ", ")
                        lines.append("  \(reference) flagged elevated or high: \(percent(flagged))" + (groups.isEmpty ? "" : " (\(groups))"))
                    }
                }
                lines.append("  levels (rows: label; columns: predicted none / elevated / high, share flagged, mean score):")
                for row in distress.confusion {
                    lines.append("    " + row.label.rightPad(12) + row.counts.map { String($0).leftPad(6) }.joined()
                        + percent(row.flaggedShare).leftPad(8) + number(row.meanScore, places: 2).leftPad(8))
                }
                if !distress.cues.isEmpty {
                    let excited = distress.cues.contains { $0.aloneAgainstExcited != nil }
                    lines.append("  what each cue adds (ROC AUC): alone vs all others / model without it vs all others" + (excited ? " / alone vs happy only" : ""))
                    func auc(_ value: Double?) -> String { value.map { number($0, places: 3) } ?? "–" }
                    for cue in distress.cues {
                        lines.append("    " + cue.input.rightPad(34) + " \(auc(cue.alone))  /  \(auc(cue.without))" + (excited ? "  /  \(auc(cue.aloneAgainstExcited))" : ""))
                    }
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    static func estimate(_ estimate: Estimate?, places: Int) -> String {
        guard let estimate else { return "–" }
        let interval = estimate.interval.map { " [\(number($0.lowerBound, places: places)), \(number($0.upperBound, places: places))]" } ?? ""
        return number(estimate.value, places: places) + interval
    }

    static func percentEstimate(_ estimate: Estimate) -> String {
        percent(estimate.value) + (estimate.interval.map { " [\(percent($0.lowerBound)), \(percent($0.upperBound))]" } ?? "")
    }

    /// "+0.42", "-1.10"
    static func signedPoints(_ value: Double) -> String { (value >= 0 ? "+" : "") + number(value, places: 2) }

    static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded())) %" }

    /// `value` with `places` decimals (no locale, no exponent), e.g. `-0.5`, `48`.
    public static func number(_ value: Double, places: Int = 1) -> String { DecimalText.fixed(value, places: places) }
}

extension String {
    func leftPad(_ width: Int, with pad: Character = " ") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }

    func rightPad(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
