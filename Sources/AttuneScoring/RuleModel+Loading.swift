public import FoundationEssentials

extension RuleModel {
    /// Parses and checks a model file's bytes.
    /// - Parameter source: the file's name, for errors.
    /// - Throws: `ModelFileError` naming the key path of the first problem and what was expected.
    public init(jsonData: Data, source: String) throws(ModelFileError) {
        do {
            self = try JSONDecoder().decode(RuleModel.self, from: jsonData)
        } catch let error as DecodingError {
            throw Self.describe(error, file: source)
        } catch {
            throw ModelFileError(file: source, keyPath: "", message: "not valid JSON (\(error))")
        }
        try validate(source: source)
    }

    /// The model as a model file (pretty JSON, sorted keys).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Checks what decoding cannot: ranges, orderings, names and directions.
    public func validate(source: String) throws(ModelFileError) {
        func fail(_ path: String, _ message: String) -> ModelFileError { ModelFileError(file: source, keyPath: path, message: message) }
        if id.isEmpty { throw fail("id", "expected a non-empty identifier") }
        if version.isEmpty { throw fail("version", "expected a non-empty version") }
        guard scale.min.isFinite, scale.max.isFinite, scale.min < scale.max else {
            throw fail("scale", "expected finite min < max, got min \(scale.min), max \(scale.max)")
        }
        guard (0...1).contains(distressLevels.elevated), (0...1).contains(distressLevels.high), distressLevels.elevated <= distressLevels.high else {
            throw fail("distressLevels", "expected 0 ≤ elevated ≤ high ≤ 1, got elevated \(distressLevels.elevated), high \(distressLevels.high)")
        }
        for (scoreName, score) in [("effort", effort), ("distress", distress)] {
            guard score.bias.isFinite else { throw fail("\(scoreName).bias", "expected a finite number") }
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
                guard input.weight.isFinite else { throw fail("\(path).weight", "expected a finite number") }
                switch input.transform {
                case .piecewiseLinear(let points):
                    guard points.count >= 2 else { throw fail("\(path).transform.piecewiseLinear", "expected at least two [x, y] breakpoints") }
                    for (i, point) in points.enumerated() {
                        guard point.count == 2, point.allSatisfy(\.isFinite) else {
                            throw fail("\(path).transform.piecewiseLinear[\(i)]", "expected a pair [x, y] of finite numbers")
                        }
                        if i > 0 && point[0] <= points[i - 1][0] {
                            throw fail("\(path).transform.piecewiseLinear[\(i)]", "expected x to increase (\(point[0]) after \(points[i - 1][0]))")
                        }
                    }
                case .logistic(let centre, let slope):
                    guard centre.isFinite else { throw fail("\(path).transform.logistic.centre", "expected a finite number") }
                    guard slope.isFinite, slope != 0 else { throw fail("\(path).transform.logistic.slope", "expected a finite, non-zero number") }
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
