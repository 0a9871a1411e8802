public import FoundationEssentials

extension RuleModel {
    /// Parses and checks a model file's bytes.
    /// - Parameter source: the file's name, for errors.
    /// - Throws: `ModelFileError` naming the key path of the first problem and what was expected.
    public init(jsonData: Data, source: String) throws(ModelFileError) {
        self = try Self.decode(jsonData, source: source)
        try validate(source: source)
    }

    /// Parses and checks a model file's bytes, and that every input reads a metric in
    /// `knownMetrics` (the names a report has: `AttunePipeline`'s `LoadedModel.knownMetricNames`).
    /// - Throws: `ModelFileError` naming the key path of the first problem; a misspelt metric
    ///   names the input and the nearest known metric.
    public init(jsonData: Data, source: String, knownMetrics: Set<String>) throws(ModelFileError) {
        self = try Self.decode(jsonData, source: source)
        try validate(source: source, knownMetrics: knownMetrics)
    }

    private static func decode(_ jsonData: Data, source: String) throws(ModelFileError) -> RuleModel {
        do {
            return try JSONDecoder().decode(RuleModel.self, from: jsonData)
        } catch let error as DecodingError {
            throw Self.describe(error, file: source)
        } catch {
            throw ModelFileError(file: source, keyPath: "", message: "not valid JSON (\(error))")
        }
    }

    /// The largest magnitude a model's numbers may have: scale ends, biases, weights, transform
    /// breakpoints (x and y) and logistic centres and slopes all lie within ±1,000,000. Far beyond
    /// any metric's or survey's range, and small enough that every score, contribution and point
    /// value stays finite and printable.
    public static let largestMagnitude = 1_000_000.0

    /// The model as a model file (pretty JSON, sorted keys).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Checks what decoding cannot: ranges, magnitudes (`largestMagnitude`), orderings, names and
    /// directions.
    public func validate(source: String) throws(ModelFileError) {
        try check(source: source, knownMetrics: nil)
    }

    /// `validate(source:)`, and that every input reads a metric in `knownMetrics` (a misspelt
    /// metric would otherwise contribute nothing, as "unknown", to every call).
    public func validate(source: String, knownMetrics: Set<String>) throws(ModelFileError) {
        try check(source: source, knownMetrics: knownMetrics)
    }

    private func check(source: String, knownMetrics: Set<String>?) throws(ModelFileError) {
        func fail(_ path: String, _ message: String) -> ModelFileError { ModelFileError(file: source, keyPath: path, message: message) }
        func checkMagnitude(_ value: Double, _ path: String) throws(ModelFileError) {
            guard value.isFinite, abs(value) <= Self.largestMagnitude else {
                throw fail(path, "expected a number within ±1000000, got \(value)")
            }
        }
        if id.isEmpty { throw fail("id", "expected a non-empty identifier") }
        if version.isEmpty { throw fail("version", "expected a non-empty version") }
        try checkMagnitude(scale.min, "scale.min")
        try checkMagnitude(scale.max, "scale.max")
        guard scale.min.isFinite, scale.max.isFinite, scale.min < scale.max else {
            throw fail("scale", "expected finite min < max, got min \(scale.min), max \(scale.max)")
        }
        guard (0...1).contains(distressLevels.elevated), (0...1).contains(distressLevels.high), distressLevels.elevated <= distressLevels.high else {
            throw fail("distressLevels", "expected 0 ≤ elevated ≤ high ≤ 1, got elevated \(distressLevels.elevated), high \(distressLevels.high)")
        }
        for (scoreName, score) in [("effort", effort), ("distress", distress)] {
            try checkMagnitude(score.bias, "\(scoreName).bias")
            if let share = score.maxContributionShare, !(share > 0 && share <= 1) {
                throw fail("\(scoreName).maxContributionShare", "expected a share in (0, 1], got \(share)")
            }
            var names = Set<String>()
            for (index, input) in score.inputs.enumerated() {
                let path = "\(scoreName).inputs[\(index)]"
                if input.name.isEmpty || !names.insert(input.name).inserted {
                    throw fail("\(path).name", "expected a unique, non-empty name, got '\(input.name)'")
                }
                if input.metric.split(separator: ".").count < 2 {
                    throw fail("\(path).metric", "expected a metric such as call.deadAirSeconds or customer.energySpikes, got '\(input.metric)'")
                }
                if scoreName == "distress" && input.metric.hasPrefix("advisor.") {
                    throw fail("\(path).metric", "distress is the customer's only: an advisor metric (\(input.metric)) cannot be an input")
                }
                if let knownMetrics, !knownMetrics.contains(input.metric) {
                    let suggestion = Self.nearest(to: input.metric, in: knownMetrics).map { " (did you mean \($0)?)" } ?? ""
                    throw fail("\(path).metric", "input '\(input.name)' reads unknown metric '\(input.metric)'\(suggestion); expected a report metric such as call.deadAirSeconds, customer.energySpikes, customer.cues.pitchRiseSemitones or scores.distress")
                }
                try checkMagnitude(input.weight, "\(path).weight")
                switch input.transform {
                case .piecewiseLinear(let points):
                    guard points.count >= 2 else { throw fail("\(path).transform.piecewiseLinear", "expected at least two [x, y] breakpoints") }
                    for (i, point) in points.enumerated() {
                        guard point.count == 2, point.allSatisfy(\.isFinite) else {
                            throw fail("\(path).transform.piecewiseLinear[\(i)]", "expected a pair [x, y] of finite numbers")
                        }
                        try checkMagnitude(point[0], "\(path).transform.piecewiseLinear[\(i)][0]")
                        try checkMagnitude(point[1], "\(path).transform.piecewiseLinear[\(i)][1]")
                        if i > 0 && point[0] <= points[i - 1][0] {
                            throw fail("\(path).transform.piecewiseLinear[\(i)]", "expected x to increase (\(point[0]) after \(points[i - 1][0]))")
                        }
                    }
                case .logistic(let centre, let slope):
                    try checkMagnitude(centre, "\(path).transform.logistic.centre")
                    guard slope.isFinite, slope != 0 else { throw fail("\(path).transform.logistic.slope", "expected a finite, non-zero number") }
                    try checkMagnitude(slope, "\(path).transform.logistic.slope")
                }
                if let share = score.maxContributionShare, abs(input.weight) * input.transform.largestMagnitude > share + 1e-9 {
                    throw fail("\(path).weight", "moves the score by up to \(abs(input.weight) * input.transform.largestMagnitude) of its range, over maxContributionShare \(share)")
                }
                if input.direction == .raisesScore {
                    if input.weight < 0 { throw fail("\(path).weight", "expected ≥ 0: the input is declared raisesScore") }
                    if !input.transform.isNonDecreasing { throw fail("\(path).transform", "expected a non-decreasing transform: the input is declared raisesScore") }
                }
            }
        }
    }

    /// The known metric closest to a misspelt one (edit distance at most a quarter of its length),
    /// if any.
    static func nearest(to metric: String, in known: Set<String>) -> String? {
        let target = Array(metric.lowercased().unicodeScalars)
        var best: (distance: Int, name: String)?
        for name in known.sorted() {
            let candidate = Array(name.lowercased().unicodeScalars)
            guard abs(candidate.count - target.count) <= target.count / 4 else { continue }
            // Levenshtein distance, one row at a time.
            var previous = Array(0...candidate.count)
            for (i, a) in target.enumerated() {
                var current = [i + 1] + Array(repeating: 0, count: candidate.count)
                for (j, b) in candidate.enumerated() {
                    current[j + 1] = Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (a == b ? 0 : 1))
                }
                previous = current
            }
            let distance = previous[candidate.count]
            if distance <= Swift.max(2, target.count / 4), distance < (best?.distance ?? .max) { best = (distance, name) }
        }
        return best?.name
    }

    /// Turns a decoding error into the key path it happened at and what was expected.
    private static func describe(_ error: DecodingError, file: String) -> ModelFileError {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return ModelFileError(file: file, keyPath: path(context.codingPath + [key]), message: "missing (required)")
        case .typeMismatch(let type, let context):
            return ModelFileError(file: file, keyPath: path(context.codingPath), message: "expected \(Self.describe(type))")
        case .valueNotFound(let type, let context):
            return ModelFileError(file: file, keyPath: path(context.codingPath), message: "expected \(Self.describe(type)), got null")
        case .dataCorrupted(let context):
            let where_ = path(context.codingPath)
            return ModelFileError(file: file, keyPath: where_, message: where_.isEmpty ? "not valid JSON" : context.debugDescription.replacing("\"", with: "'"))
        @unknown default:
            return ModelFileError(file: file, keyPath: "", message: "\(error)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Int.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is [Any].Type, is [[Double]].Type: "an array"
        default: "\(type)".contains("Array") ? "an array" : "an object"
        }
    }
}
