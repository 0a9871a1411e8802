public import AttuneScoring

/// One labelled example for fitting a score: its metrics and the target (0–1).
public struct FitExample: Sendable {
    public var metrics: [String: Double]
    public var target: Double
    /// Examples sharing a group never straddle a training and a held-out fold (EmoDB: speaker).
    public var group: String
    /// What the example is, finer than its target (EmoDB: the emotion), for the false-alarm
    /// budget of the distress levels; nil counts as one category.
    public var category: String?

    public init(metrics: [String: Double], target: Double, group: String, category: String? = nil) {
        self.metrics = metrics
        self.target = target
        self.group = group
        self.category = category
    }
}

/// Fits a score's weights and bias to labelled examples by least squares on its transformed
/// inputs. Piecewise-linear transforms are kept as the model file states them (their breakpoints
/// are in the metric's own unit and carry meaning); a logistic transform's centre is chosen among
/// the training data's quantiles. Inputs declared `raisesScore` keep non-negative weights, so a
/// fitted model stays monotone; a score's `maxContributionShare` bounds every weight, so no one
/// behaviour can move a call further than the model states; `locked` inputs keep their weight
/// (evidence the data cannot show). A small ridge penalty keeps weights of uninformative inputs
/// near zero.
public enum ModelFitter {
    /// `score` with fitted bias, weights and logistic centres.
    public static func fit(_ score: ScoreDefinition, examples: [FitExample], ridge: Double = 1e-3) -> ScoreDefinition {
        var best = fitWeights(score, examples: examples, ridge: ridge)
        for (j, input) in score.inputs.enumerated() where input.locked != true {
            guard case .logistic(let centre, let slope) = input.transform else { continue }
            let values = examples.compactMap { $0.metrics[input.metric] }.sorted()
            guard values.count >= 5 else { continue }
            let candidates = [centre] + [0.2, 0.35, 0.5, 0.65, 0.8].map { values[Int(Double(values.count - 1) * $0)] }
            for candidate in candidates {
                var trial = best.score
                trial.inputs[j].transform = .logistic(centre: candidate, slope: slope)
                let fitted = fitWeights(trial, examples: examples, ridge: ridge)
                if fitted.loss < best.loss { best = fitted }
            }
        }
        return best.score
    }

    /// Least-squares weights and bias for `score`'s transforms as they stand, and the loss.
    ///
    /// Projected coordinate descent on ½Σ(bias + w·x − y)² + ½·ridge·n·|w|², run on the sums of
    /// products of the features (one pass over the examples, then O(inputs²) per sweep), so a
    /// hundred thousand surveys fit as fast as fifty. Each weight is kept within its bounds: ≥ 0
    /// for `raisesScore` inputs, and within the score's `maxContributionShare`.
    static func fitWeights(_ score: ScoreDefinition, examples: [FitExample], ridge: Double) -> (score: ScoreDefinition, loss: Double) {
        let p = score.inputs.count
        let sums = ProductSums(score, examples: examples)
        let locked = score.inputs.map { $0.locked == true }
        let bounds = score.inputs.map { score.weightBounds(of: $0) }
        var weights = score.inputs.map(\.weight)
        var bias = score.bias
        let n = Double(max(sums.count, 1))
        for _ in 0..<500 {
            // Bias: the mean residual.
            var explained = 0.0
            for j in 0..<p { explained += weights[j] * sums.x[j] }
            bias = (sums.y - explained) / n
            var change = 0.0
            for j in 0..<p where !locked[j] {
                // Σ x_j·(y − bias − Σ_{k≠j} w_k·x_k)
                var numerator = sums.xy[j] - bias * sums.x[j]
                for k in 0..<p where k != j { numerator -= weights[k] * sums.xx[j][k] }
                let denominator = ridge * n + sums.xx[j][j]
                let updated = min(max(denominator > 0 ? numerator / denominator : 0, bounds[j].lowerBound), bounds[j].upperBound)
                change = max(change, abs(updated - weights[j]))
                weights[j] = updated
            }
            if change < 1e-9 { break }
        }
        var fitted = score
        fitted.bias = bias
        for j in 0..<p { fitted.inputs[j].weight = weights[j] }
        // ½Σ(bias + w·x − y)², expanded over the sums.
        var squares = n * bias * bias + sums.yy - 2 * bias * sums.y
        for j in 0..<p {
            squares += 2 * weights[j] * (bias * sums.x[j] - sums.xy[j])
            for k in 0..<p { squares += weights[j] * weights[k] * sums.xx[j][k] }
        }
        var loss = max(squares, 0)
        for (j, weight) in weights.enumerated() where !locked[j] { loss += ridge * n * weight * weight }
        return (fitted, loss / 2)
    }

    /// The sums of features, targets and their products over a set of examples.
    struct ProductSums {
        var count = 0
        var x: [Double], xx: [[Double]], xy: [Double]
        var y = 0.0, yy = 0.0

        init(_ score: ScoreDefinition, examples: [FitExample]) {
            let p = score.inputs.count
            x = [Double](repeating: 0, count: p)
            xy = x
            xx = [[Double]](repeating: x, count: p)
            for example in examples {
                let row = ModelFitter.features(score, example.metrics)
                count += 1
                y += example.target
                yy += example.target * example.target
                for j in 0..<p where row[j] != 0 {
                    x[j] += row[j]
                    xy[j] += row[j] * example.target
                    for k in 0..<p { xx[j][k] += row[j] * row[k] }
                }
            }
        }
    }

    /// Each input's transformed value for `metrics` (0 where the metric is unknown).
    public static func features(_ score: ScoreDefinition, _ metrics: [String: Double]) -> [Double] {
        score.inputs.map { input in metrics[input.metric].map { input.transform.apply($0) } ?? 0 }
    }

    static func predict(bias: Double, _ weights: [Double], _ row: [Double]) -> Double {
        var total = bias
        for (w, x) in zip(weights, row) { total += w * x }
        return total
    }

    /// Splits examples into `folds` folds by group (deterministic: groups are dealt out in a
    /// seeded shuffle). Returns, for each fold, the indices held out.
    public static func folds(_ examples: [FitExample], count folds: Int, seed: UInt64 = 1) -> [[Int]] {
        var groups = Array(Set(examples.map(\.group))).sorted()
        var generator = SeededGenerator(seed: seed)
        groups.shuffle(using: &generator)
        let foldOfGroup = Dictionary(uniqueKeysWithValues: groups.enumerated().map { ($1, $0 % max(folds, 1)) })
        var out = [[Int]](repeating: [], count: max(folds, 1))
        for (index, example) in examples.enumerated() { out[foldOfGroup[example.group]!].append(index) }
        return out.filter { !$0.isEmpty }
    }

    /// Held-out predictions (0–1, clamped): each example scored by a model fitted on the other folds.
    public static func heldOutPredictions(_ score: ScoreDefinition, examples: [FitExample], folds: Int, seed: UInt64 = 1) -> [Double] {
        heldOut(examples, folds: folds, seed: seed) { training in
            let fitted = fit(score, examples: training)
            return { prediction(fitted, $0) }
        }
    }

    /// Held-out distress predictions with the level each gets from the levels fitted (under
    /// `budget`) on the same training folds: the flags are held out too.
    public static func heldOutDistress(
        _ score: ScoreDefinition, examples: [FitExample], folds: Int, seed: UInt64 = 1, budget: FalseAlarmBudget
    ) -> [(value: Double, level: DistressLevel)] {
        heldOut(examples, folds: folds, seed: seed) { training in
            let (fitted, levels) = fitDistress(score, examples: training, budget: budget)
            return { metrics in
                let value = prediction(fitted, metrics)
                return (value, levels.level(of: value))
            }
        }
    }

    /// Fits a distress score: its weights as `fit` does, then the levels that keep within
    /// `budget` (`fitLevels`).
    public static func fitDistress(_ score: ScoreDefinition, examples: [FitExample], budget: FalseAlarmBudget) -> (score: ScoreDefinition, levels: DistressLevels) {
        let fitted = fit(score, examples: examples)
        return (fitted, fitLevels(fitted, examples: examples, budget: budget))
    }

    /// Each example's result from what `fitting` makes of the other folds (a training set in, a
    /// way to score an example's metrics out).
    private static func heldOut<Result>(
        _ examples: [FitExample], folds: Int, seed: UInt64, fitting: ([FitExample]) -> ([String: Double]) -> Result
    ) -> [Result] {
        var results = [Result?](repeating: nil, count: examples.count)
        for heldOut in Self.folds(examples, count: folds, seed: seed) {
            let held = Set(heldOut)
            let scoring = fitting(examples.indices.filter { !held.contains($0) }.map { examples[$0] })
            for index in heldOut { results[index] = scoring(examples[index].metrics) }
        }
        return results.map { $0! }  // every example is in exactly one fold
    }

    /// A score's value for `metrics` (0–1, clamped).
    static func prediction(_ score: ScoreDefinition, _ metrics: [String: Double]) -> Double {
        min(max(predict(bias: score.bias, score.inputs.map(\.weight), features(score, metrics)), 0), 1)
    }

    /// How many calm or happy customers a distress level may flag: the share of each category of
    /// not-distressed examples (target 0: neutral, sad, happy, …) allowed to reach it.
    public struct FalseAlarmBudget: Sendable, Equatable {
        /// Share of any not-distressed category allowed at `elevated` or above (0–1).
        public var elevated: Double
        /// …at `high` (0–1).
        public var high: Double

        public init(elevated: Double, high: Double) {
            self.elevated = elevated
            self.high = high
        }

        /// A supervisor wall that lights for one delighted customer in seven is still used; one
        /// that lights for most is switched off. (Issue 11 asks for at most 20 % of happy
        /// customers flagged; 15 % in training leaves room for the held-out spread.)
        public static let standard = FalseAlarmBudget(elevated: 0.15, high: 0.03)
    }

    /// The distress levels of `score` that keep within `budget` on every not-distressed category
    /// of `examples`: each threshold is the lowest value (to 0.01) that at most the budget's share
    /// of every such category reaches (with 30 happy clips and a 15 % budget: 4 may reach
    /// `elevated`). `high` stays at least 0.1 above `elevated`.
    public static func fitLevels(_ score: ScoreDefinition, examples: [FitExample], budget: FalseAlarmBudget) -> DistressLevels {
        var byCategory: [String: [Double]] = [:]
        for example in examples where example.target == 0 {
            byCategory[example.category ?? "", default: []].append(prediction(score, example.metrics))
        }
        func threshold(share: Double) -> Double {
            var lowest = 0.01
            for values in byCategory.values {
                let sorted = values.sorted(by: >)
                let allowed = Int((share * Double(sorted.count)).rounded(.down))
                // Above the (allowed + 1)-th largest value: only `allowed` values reach it.
                if allowed < sorted.count { lowest = max(lowest, (sorted[allowed] * 100).rounded(.down) / 100 + 0.01) }
            }
            return min(lowest, 1)
        }
        let elevated = threshold(share: budget.elevated)
        return DistressLevels(elevated: elevated, high: min(max(threshold(share: budget.high), elevated + 0.1), 1))
    }
}
