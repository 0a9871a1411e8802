public import AttuneScoring

/// A figure with its bootstrap 95 % interval.
public struct Estimate: Sendable, Equatable {
    public var value: Double
    public var interval: ClosedRange<Double>?
}

/// How well effort predictions match survey answers.
public struct EffortEvaluation: Sendable, Equatable {
    public var count: Int
    /// Spearman ρ between predicted effort and the answers' effort (positive = agreeing).
    public var spearman: Estimate?
    /// Mean absolute error on the answers' scale (points).
    public var meanAbsoluteError: Estimate
    /// Share of predictions within one point of the answer.
    public var withinOne: Estimate
    /// Mean (answer − predicted) in effort points: positive = customers found the calls harder
    /// than predicted.
    public var biasPoints: Double
    /// |answer − predicted| at `AgreementFigures`' quantile (`Agreement.errorQuantile`), in
    /// effort-index units (0–1): what "worth a listen" must exceed.
    public var errorQuantileIndex: Double
    /// Share of predictions pinned at an end of the scale (0–1).
    public var pinnedShare: Double
    /// Agreement per week of response (Monday, `YYYY-MM-DD`), oldest first, when dated.
    public var weeks: [(week: String, agreement: AgreementFigures)]
    /// (predicted value, answer) on the answers' scale, for the reliability plot.
    public var pairs: [(predicted: Double, answer: Double)]
    /// The answers' scale.
    public var scale: SurveyScale

    /// The headline figures, as a model file and the store keep them.
    public var figures: AgreementFigures {
        AgreementFigures(
            surveys: count, spearman: spearman?.value, spearmanLow: spearman?.interval?.lowerBound, spearmanHigh: spearman?.interval?.upperBound,
            meanAbsoluteErrorPoints: meanAbsoluteError.value, biasPoints: biasPoints, withinOne: withinOne.value,
            errorQuantile: Agreement.errorQuantile, errorQuantileIndex: errorQuantileIndex)
    }

    public static func == (a: EffortEvaluation, b: EffortEvaluation) -> Bool {
        a.count == b.count && a.spearman == b.spearman && a.meanAbsoluteError == b.meanAbsoluteError && a.withinOne == b.withinOne
            && a.biasPoints == b.biasPoints && a.errorQuantileIndex == b.errorQuantileIndex
    }
}

/// One cross-validation fold: the starting model's figures and the fitted model's held-out
/// figures on the same calls.
public struct FoldAgreement: Sendable, Equatable {
    /// 1-based.
    public var fold: Int
    /// Advisors (or weeks) held out in it.
    public var groups: Int
    public var starting: AgreementFigures
    public var fitted: AgreementFigures
}

/// How well distress separates distressed from calm customers.
public struct DistressEvaluation: Sendable, Equatable {
    public var count: Int
    /// Distressed against everyone else.
    public var auc: Estimate?
    /// Distressed against the calm reference only (EmoDB: neutral), when there is one.
    public var aucAgainstReference: Estimate?
    public var referenceName: String?
    /// Rows: labelled level (or category), with the mean score and the counts predicted none /
    /// elevated / high.
    public var confusion: [ConfusionRow]
    /// Share of the calm reference flagged elevated or high, overall and per speaker group.
    public var referenceFlagged: Double?
    public var referenceFlaggedByGroup: [(group: String, share: Double, count: Int)]
    /// (score, distressed) pairs, for the reliability plot.
    public var pairs: [(score: Double, distressed: Bool)]
    /// What each cue adds: AUC (distressed vs everyone else) of the cue alone and of the model
    /// without it; and the cue alone against excited, not strained, voices only (EmoDB: happy),
    /// when there are any: what separates strain from excitement.
    public var cues: [(input: String, alone: Double?, without: Double?, aloneAgainstExcited: Double?)]

    public static func == (a: DistressEvaluation, b: DistressEvaluation) -> Bool {
        a.count == b.count && a.auc == b.auc && a.aucAgainstReference == b.aucAgainstReference && a.referenceFlagged == b.referenceFlagged
    }
}

/// One row of the distress confusion table: a label (EmoDB: the emotion) and how it was scored.
public struct ConfusionRow: Sendable, Equatable {
    public var label: String
    /// Examples predicted none, elevated, high.
    public var counts: [Int]
    /// Mean distress score of the row's examples (0–1).
    public var meanScore: Double
    /// Share of the row predicted elevated or high.
    public var flaggedShare: Double { Double(counts.dropFirst().reduce(0, +)) / Double(max(counts.reduce(0, +), 1)) }
}

/// A calibration run's findings for one model.
public struct ModelEvaluation: Sendable {
    public var modelName: String
    public var effort: EffortEvaluation?
    public var distress: DistressEvaluation?
    /// A fit's folds (held-out effort figures beside the starting model's), when fitted.
    public var folds: [FoldAgreement] = []
}

/// Measures a model against a labelled dataset and, optionally, fits a new one.
public struct CalibrationRun: Sendable {
    public var dataset: CalibrationDataset
    public var bootstrapSamples = 1000
    public var seed: UInt64 = 1
    /// What the fitted distress levels may flag of each not-distressed category.
    public var falseAlarmBudget = ModelFitter.FalseAlarmBudget.standard

    public init(dataset: CalibrationDataset) { self.dataset = dataset }

    /// The model's own predictions.
    public func evaluate(_ model: RuleModel, name: String) -> ModelEvaluation {
        let scorer = Scorer(model: model)
        let effortPredictions = dataset.examples.map { scorer.effort($0.metrics).index }
        let distressScores = dataset.examples.map { example in example.distressMetrics.map { scorer.distress($0).value } }
        return ModelEvaluation(
            modelName: name,
            effort: evaluateEffort(effortIndex: effortPredictions),
            distress: evaluateDistress(scores: distressScores, levels: model.distressLevels, model: model))
    }

    /// Fits effort and distress weights with `folds`-fold cross-validation. Returns the model
    /// fitted on all the data, and the evaluation of its held-out predictions only (each example
    /// predicted by a fit that never saw its fold).
    /// Which scores `fit` fits.
    public struct FitScores: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let effort = FitScores(rawValue: 1)
        public static let distress = FitScores(rawValue: 2)
        public static let both: FitScores = [.effort, .distress]
    }

    public func fit(_ model: RuleModel, folds: Int, scores: FitScores = .both) -> (fitted: RuleModel, heldOut: ModelEvaluation) {
        var fitted = model
        var heldOutEffort: [Double]? = nil
        let effortExamples = dataset.examples.compactMap { example -> FitExample? in
            guard let ces = example.ces, let scale = example.cesScale else { return nil }
            return FitExample(metrics: example.metrics, target: scale.effortIndex(of: ces), group: example.group)
        }
        var foldFigures: [FoldAgreement] = []
        if scores.contains(.effort) && effortExamples.count >= 2 * folds {
            fitted.effort = ModelFitter.fit(model.effort, examples: effortExamples)
            let predictions = ModelFitter.heldOutPredictions(model.effort, examples: effortExamples, folds: folds, seed: seed)
            let scorer = Scorer(model: model)
            let scale = model.scale
            for (number, fold) in ModelFitter.folds(effortExamples, count: folds, seed: seed).enumerated() {
                let answers = fold.map { effortExamples[$0].target }
                foldFigures.append(FoldAgreement(
                    fold: number + 1, groups: Set(fold.map { effortExamples[$0].group }).count,
                    starting: Agreement.figures(predicted: fold.map { scorer.effort(effortExamples[$0].metrics).index }, answers: answers, scale: scale),
                    fitted: Agreement.figures(predicted: fold.map { predictions[$0] }, answers: answers, scale: scale)))
            }
            var byExample = [Double](repeating: 0, count: dataset.examples.count)
            var next = 0
            for (index, example) in dataset.examples.enumerated() where example.ces != nil && example.cesScale != nil {
                byExample[index] = predictions[next]
                next += 1
            }
            heldOutEffort = byExample
        }
        var heldOutDistress: [Double?]? = nil
        let distressExamples = dataset.examples.compactMap { example -> FitExample? in
            guard let metrics = example.distressMetrics, let distressed = example.distressed else { return nil }
            return FitExample(metrics: metrics, target: distressed ? 1 : 0, group: example.group, category: example.category)
        }
        var heldOutLevels: [DistressLevel?]? = nil
        if scores.contains(.distress) && distressExamples.count >= 2 * folds && Set(distressExamples.map(\.target)).count == 2 {
            (fitted.distress, fitted.distressLevels) = ModelFitter.fitDistress(model.distress, examples: distressExamples, budget: falseAlarmBudget)
            let predictions = ModelFitter.heldOutDistress(model.distress, examples: distressExamples, folds: folds, seed: seed, budget: falseAlarmBudget)
            var byExample = [Double?](repeating: nil, count: dataset.examples.count)
            var levels = [DistressLevel?](repeating: nil, count: dataset.examples.count)
            var next = 0
            for (index, example) in dataset.examples.enumerated() where example.distressMetrics != nil && example.distressed != nil {
                (byExample[index], levels[index]) = predictions[next]
                next += 1
            }
            heldOutDistress = byExample
            heldOutLevels = levels
        }
        fitted.version = bumped(model.version)
        fitted.description = "Fitted by attune calibrate --fit on \(dataset.name) (\(folds)-fold cross-validation) from \(model.id) \(model.version)."
        return (fitted, ModelEvaluation(
            modelName: "fitted (held out)",
            effort: heldOutEffort.flatMap { evaluateEffort(effortIndex: $0) },
            distress: heldOutDistress.flatMap { evaluateDistress(scores: $0, levels: fitted.distressLevels, heldOutLevels: heldOutLevels, model: nil) },
            folds: foldFigures))
    }

    // MARK: - Effort

    private func evaluateEffort(effortIndex predicted: [Double]) -> EffortEvaluation? {
        let labelled = dataset.examples.indices.filter { dataset.examples[$0].ces != nil && dataset.examples[$0].cesScale != nil }
        guard labelled.count >= 3, let scale = dataset.examples[labelled[0]].cesScale else { return nil }
        let answers = labelled.map { dataset.examples[$0].ces! }
        let predictedIndex = labelled.map { predicted[$0] }
        let predictedValues = predictedIndex.map { scale.value(forEffortIndex: $0) }
        let answerIndex = answers.map { scale.effortIndex(of: $0) }
        func pick(_ values: [Double], _ indices: [Int]) -> [Double] { indices.map { values[$0] } }
        let n = labelled.count
        let spearman = CalibrationStatistics.spearman(predictedIndex, answerIndex).map { value in
            Estimate(value: value, interval: n <= Agreement.largestBootstrappedSpearman
                ? CalibrationStatistics.bootstrap(count: n, samples: bootstrapSamples, seed: seed) {
                    CalibrationStatistics.spearman(pick(predictedIndex, $0), pick(answerIndex, $0))
                }
                : CalibrationStatistics.spearmanInterval(value, count: n))
        }
        let mae = Estimate(
            value: CalibrationStatistics.meanAbsoluteError(predictedValues, answers),
            interval: CalibrationStatistics.bootstrap(count: n, samples: bootstrapSamples, seed: seed) {
                CalibrationStatistics.meanAbsoluteError(pick(predictedValues, $0), pick(answers, $0))
            })
        let within = Estimate(
            value: CalibrationStatistics.withinOne(predictedValues, answers),
            interval: CalibrationStatistics.bootstrap(count: n, samples: bootstrapSamples, seed: seed) {
                CalibrationStatistics.withinOne(pick(predictedValues, $0), pick(answers, $0))
            })
        var byWeek: [String: [Int]] = [:]
        for (position, example) in labelled.enumerated() { if let week = dataset.examples[example].week { byWeek[week, default: []].append(position) } }
        let weeks = byWeek.keys.sorted().map { week in
            let members = byWeek[week]!
            return (week, Agreement.figures(predicted: pick(predictedIndex, members), answers: pick(answerIndex, members), scale: scale))
        }
        return EffortEvaluation(
            count: n, spearman: spearman, meanAbsoluteError: mae, withinOne: within,
            biasPoints: Agreement.biasPoints(predicted: predictedIndex, answers: answerIndex, scale: scale),
            errorQuantileIndex: Agreement.errorQuantileIndex(predicted: predictedIndex, answers: answerIndex), pinnedShare: Agreement.pinnedShare(predictedIndex), weeks: weeks,
            pairs: zip(predictedValues, answers).map { ($0, $1) }, scale: scale)
    }

    // MARK: - Distress

    /// - Parameter heldOutLevels: each example's level from its own fold's fitted levels (held-out
    ///   figures); nil: every example's level from `levels`.
    private func evaluateDistress(scores: [Double?], levels: DistressLevels, heldOutLevels: [DistressLevel?]? = nil, model: RuleModel?) -> DistressEvaluation? {
        let labelled = dataset.examples.indices.filter { scores[$0] != nil && dataset.examples[$0].distressed != nil }
        guard labelled.count >= 3 else { return nil }
        let values = labelled.map { scores[$0]! }
        let predictedLevels = labelled.map { heldOutLevels?[$0] ?? levels.level(of: scores[$0]!) }
        let positives = labelled.map { dataset.examples[$0].distressed! }
        let n = labelled.count
        func auc(_ indices: [Int]) -> Double? {
            CalibrationStatistics.rocAUC(scores: indices.map { values[$0] }, positives: indices.map { positives[$0] })
        }
        let all = Array(0..<n)
        let overall = auc(all).map { Estimate(value: $0, interval: CalibrationStatistics.bootstrap(count: n, samples: bootstrapSamples, seed: seed, auc)) }

        // The calm reference: EmoDB's neutral clips; for calls, the "none" level.
        let categories = labelled.map { dataset.examples[$0].category ?? (dataset.examples[$0].distressed! ? "distressed" : "none") }
        let referenceName = categories.contains("neutral") ? "neutral" : categories.contains("none") ? "none" : nil
        var againstReference: Estimate? = nil
        var referenceFlagged: Double? = nil
        var byGroup: [(String, Double, Int)] = []
        if let referenceName {
            let subset = all.filter { positives[$0] || categories[$0] == referenceName }
            if let value = auc(subset) {
                againstReference = Estimate(value: value, interval: CalibrationStatistics.bootstrap(count: subset.count, samples: bootstrapSamples, seed: seed) { picks in
                    auc(picks.map { subset[$0] })
                })
            }
            let reference = all.filter { categories[$0] == referenceName }
            let flagged = { (indices: [Int]) in Double(indices.count { predictedLevels[$0] != .none }) / Double(max(indices.count, 1)) }
            referenceFlagged = flagged(reference)
            let groups = Set(reference.compactMap { dataset.examples[labelled[$0]].speakerGroup }).sorted()
            byGroup = groups.map { group in
                let members = reference.filter { dataset.examples[labelled[$0]].speakerGroup == group }
                return (group, flagged(members), members.count)
            }
        }
        // Confusion: labelled level (or category) against predicted level.
        let rowLabels = Array(Set(categories)).sorted { order($0) < order($1) }
        let confusion = rowLabels.map { label in
            let members = all.filter { categories[$0] == label }
            return ConfusionRow(
                label: label, counts: DistressLevel.allCases.map { level in members.count { predictedLevels[$0] == level } },
                meanScore: members.map { values[$0] }.reduce(0, +) / Double(max(members.count, 1)))
        }
        // What each cue adds: alone, and the model without it.
        let excited = all.filter { positives[$0] || categories[$0] == "happy" }
        var cues: [(String, Double?, Double?, Double?)] = []
        if let model {
            for input in model.distress.inputs {
                let alone = labelled.map { dataset.examples[$0].distressMetrics![input.metric].map { input.transform.apply($0) } ?? 0 }
                var without = model
                without.distress.inputs.removeAll { $0.name == input.name }
                let withoutScorer = Scorer(model: without)
                let withoutValues = labelled.map { withoutScorer.distress(dataset.examples[$0].distressMetrics!).value }
                let againstExcited = excited.count > excited.count { positives[$0] }
                    ? CalibrationStatistics.rocAUC(scores: excited.map { alone[$0] }, positives: excited.map { positives[$0] }) : nil
                cues.append((input.label, CalibrationStatistics.rocAUC(scores: alone, positives: positives),
                             CalibrationStatistics.rocAUC(scores: withoutValues, positives: positives), againstExcited))
            }
        }
        return DistressEvaluation(
            count: n, auc: overall, aucAgainstReference: againstReference, referenceName: referenceName, confusion: confusion,
            referenceFlagged: referenceFlagged, referenceFlaggedByGroup: byGroup, pairs: zip(values, positives).map { ($0, $1) }, cues: cues)
    }

    private func order(_ label: String) -> Int {
        ["none": 0, "neutral": 0, "sad": 1, "happy": 2, "elevated": 3, "fear": 4, "angry": 5, "high": 6, "distressed": 6][label] ?? 7
    }

    private func bumped(_ version: String) -> String {
        var parts = version.split(separator: ".").map { Int($0) ?? 0 }
        while parts.count < 3 { parts.append(0) }
        parts[1] += 1
        parts[2] = 0
        return parts.map(String.init).joined(separator: ".")
    }
}
