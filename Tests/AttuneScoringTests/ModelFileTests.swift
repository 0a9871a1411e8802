import AttunePipeline
import AttuneScoring
import AttuneTestSupport
import Foundation
import Testing

/// The model file loader: a valid file round-trips; every malformed field is rejected with the
/// file, the key path and what was expected.
@Suite struct ModelFileTests {
    static func defaultModelJSON() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.defaultModel))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    @Test func shippedModelLoadsAndRoundTrips() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.defaultModel))
        let model = try RuleModel(jsonData: data, source: "default.json")
        #expect(model.id == "default")
        #expect(!model.effort.inputs.isEmpty && !model.distress.inputs.isEmpty)
        let again = try RuleModel(jsonData: try model.jsonData(), source: "round trip")
        #expect(again == model)
        // Every transform kind and optional field survives too.
        var varied = model
        varied.description = nil
        varied.effort.inputs[0].transform = .logistic(centre: 30, slope: 0.2)
        varied.effort.inputs[1].locked = true
        varied.effort.inputs[2].direction = nil
        #expect(try RuleModel(jsonData: try varied.jsonData(), source: "varied") == varied)
    }

    /// A change to the default model's JSON and the key path its error must name.
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let keyPath: String
        let change: @Sendable (inout [String: Any]) -> Void
        var testDescription: String { name }
    }

    static func input(_ json: inout [String: Any], _ score: String, _ index: Int, _ body: (inout [String: Any]) -> Void) {
        var section = json[score] as! [String: Any]
        var inputs = section["inputs"] as! [[String: Any]]
        body(&inputs[index])
        section["inputs"] = inputs
        json[score] = section
    }

    static func section(_ json: inout [String: Any], _ key: String, _ body: (inout [String: Any]) -> Void) {
        var section = json[key] as! [String: Any]
        body(&section)
        json[key] = section
    }

    static let cases: [Case] = [
        Case(name: "id missing", keyPath: "id") { $0["id"] = nil },
        Case(name: "id a number", keyPath: "id") { $0["id"] = 5 },
        Case(name: "id empty", keyPath: "id") { $0["id"] = "" },
        Case(name: "version missing", keyPath: "version") { $0["version"] = nil },
        Case(name: "version empty", keyPath: "version") { $0["version"] = "" },
        Case(name: "description a number", keyPath: "description") { $0["description"] = 3 },
        Case(name: "scale missing", keyPath: "scale") { $0["scale"] = nil },
        Case(name: "scale.min text", keyPath: "scale.min") { section(&$0, "scale") { $0["min"] = "one" } },
        Case(name: "scale.max missing", keyPath: "scale.max") { section(&$0, "scale") { $0["max"] = nil } },
        Case(name: "scale.max below min", keyPath: "scale") { section(&$0, "scale") { $0["max"] = 0 } },
        Case(name: "scale.higherIsEasier text", keyPath: "scale.higherIsEasier") { section(&$0, "scale") { $0["higherIsEasier"] = "yes" } },
        Case(name: "effort missing", keyPath: "effort") { $0["effort"] = nil },
        Case(name: "effort.bias text", keyPath: "effort.bias") { section(&$0, "effort") { $0["bias"] = "low" } },
        Case(name: "effort.inputs not an array", keyPath: "effort.inputs") { section(&$0, "effort") { $0["inputs"] = ["a": 1] } },
        Case(name: "input name missing", keyPath: "effort.inputs[0].name") { input(&$0, "effort", 0) { $0["name"] = nil } },
        Case(name: "input name repeated", keyPath: "effort.inputs[1].name") { input(&$0, "effort", 1) { $0["name"] = "deadAir" } },
        Case(name: "input label missing", keyPath: "effort.inputs[2].label") { input(&$0, "effort", 2) { $0["label"] = nil } },
        Case(name: "input metric without scope", keyPath: "effort.inputs[0].metric") { input(&$0, "effort", 0) { $0["metric"] = "deadAirSeconds" } },
        Case(name: "input unit missing", keyPath: "effort.inputs[3].unit") { input(&$0, "effort", 3) { $0["unit"] = nil } },
        Case(name: "input weight text", keyPath: "effort.inputs[0].weight") { input(&$0, "effort", 0) { $0["weight"] = "heavy" } },
        Case(name: "negative weight on a raisesScore input", keyPath: "effort.inputs[0].weight") { input(&$0, "effort", 0) { $0["weight"] = -0.2 } },
        Case(name: "unknown direction", keyPath: "effort.inputs[0].direction") { input(&$0, "effort", 0) { $0["direction"] = "lowersScore" } },
        Case(name: "locked text", keyPath: "effort.inputs[0].locked") { input(&$0, "effort", 0) { $0["locked"] = "yes" } },
        Case(name: "transform missing", keyPath: "effort.inputs[0].transform") { input(&$0, "effort", 0) { $0["transform"] = nil } },
        Case(name: "transform empty", keyPath: "effort.inputs[0].transform") { input(&$0, "effort", 0) { $0["transform"] = [String: Any]() } },
        Case(name: "transform of two kinds", keyPath: "effort.inputs[0].transform") {
            input(&$0, "effort", 0) { $0["transform"] = ["piecewiseLinear": [[0, 0], [1, 1]], "logistic": ["centre": 0, "slope": 1]] }
        },
        Case(name: "one breakpoint", keyPath: "effort.inputs[0].transform.piecewiseLinear") {
            input(&$0, "effort", 0) { $0["transform"] = ["piecewiseLinear": [[0, 0]]] }
        },
        Case(name: "breakpoint not a pair", keyPath: "effort.inputs[0].transform.piecewiseLinear[1]") {
            input(&$0, "effort", 0) { $0["transform"] = ["piecewiseLinear": [[0, 0], [1]]] }
        },
        Case(name: "breakpoints not increasing", keyPath: "effort.inputs[0].transform.piecewiseLinear[1]") {
            input(&$0, "effort", 0) { $0["transform"] = ["piecewiseLinear": [[5, 0], [5, 1]]] }
        },
        Case(name: "breakpoint text", keyPath: "effort.inputs[0].transform.piecewiseLinear[0][1]") {
            input(&$0, "effort", 0) { $0["transform"] = ["piecewiseLinear": [[0, "zero"], [1, 1]]] }
        },
        Case(name: "decreasing transform on a raisesScore input", keyPath: "effort.inputs[0].transform") {
            input(&$0, "effort", 0) { $0["transform"] = ["piecewiseLinear": [[0, 1], [10, 0]]] }
        },
        Case(name: "logistic without slope", keyPath: "effort.inputs[0].transform.logistic.slope") {
            input(&$0, "effort", 0) { $0["transform"] = ["logistic": ["centre": 30]] }
        },
        Case(name: "logistic centre text", keyPath: "effort.inputs[0].transform.logistic.centre") {
            input(&$0, "effort", 0) { $0["transform"] = ["logistic": ["centre": "middle", "slope": 1]] }
        },
        Case(name: "logistic slope zero", keyPath: "effort.inputs[0].transform.logistic.slope") {
            input(&$0, "effort", 0) { $0["transform"] = ["logistic": ["centre": 30, "slope": 0]] }
        },
        Case(name: "distress missing", keyPath: "distress") { $0["distress"] = nil },
        Case(name: "distress reading the advisor", keyPath: "distress.inputs[1].metric") {
            input(&$0, "distress", 1) { $0["metric"] = "advisor.pitchMedianHz" }
        },
        Case(name: "distress input weight missing", keyPath: "distress.inputs[2].weight") { input(&$0, "distress", 2) { $0["weight"] = nil } },
        Case(name: "distressLevels missing", keyPath: "distressLevels") { $0["distressLevels"] = nil },
        Case(name: "distressLevels.high missing", keyPath: "distressLevels.high") { section(&$0, "distressLevels") { $0["high"] = nil } },
        Case(name: "distressLevels above 1", keyPath: "distressLevels") { section(&$0, "distressLevels") { $0["elevated"] = 1.5 } },
        Case(name: "distressLevels out of order", keyPath: "distressLevels") { section(&$0, "distressLevels") { $0["elevated"] = 0.8; $0["high"] = 0.5 } },
        // Magnitudes beyond ±1e6 (issue 14, item 10): a weight or scale of 1e18 trapped in the
        // scorer's rounding; a bias of -1e308 ended in an encoder error naming no model.
        Case(name: "weight 1e18 (no contribution bound)", keyPath: "effort.inputs[0].weight") {
            section(&$0, "effort") { $0["maxContributionShare"] = nil }
            input(&$0, "effort", 0) { $0["weight"] = 1e18 }
        },
        Case(name: "weight -2e6 (no contribution bound, no direction)", keyPath: "distress.inputs[0].weight") {
            section(&$0, "distress") { $0["maxContributionShare"] = nil }
            input(&$0, "distress", 0) { $0["direction"] = nil; $0["weight"] = -2e6 }
        },
        Case(name: "effort bias -1e308", keyPath: "effort.bias") { section(&$0, "effort") { $0["bias"] = -1e308 } },
        Case(name: "distress bias 1e7", keyPath: "distress.bias") { section(&$0, "distress") { $0["bias"] = 1e7 } },
        Case(name: "scale.max 1e18", keyPath: "scale.max") { section(&$0, "scale") { $0["max"] = 1e18 } },
        Case(name: "scale.min -1e18", keyPath: "scale.min") { section(&$0, "scale") { $0["min"] = -1e18 } },
        Case(name: "breakpoint x 1e18", keyPath: "effort.inputs[0].transform.piecewiseLinear[1][0]") {
            input(&$0, "effort", 0) { $0["transform"] = ["piecewiseLinear": [[0, 0], [1e18, 1]]] }
        },
        Case(name: "breakpoint y 1e9 (no contribution bound)", keyPath: "effort.inputs[0].transform.piecewiseLinear[1][1]") {
            section(&$0, "effort") { $0["maxContributionShare"] = nil }
            input(&$0, "effort", 0) { $0["transform"] = ["piecewiseLinear": [[0, 0], [10, 1e9]]]; $0["weight"] = 1e-9 }
        },
        Case(name: "logistic centre 1e300", keyPath: "effort.inputs[0].transform.logistic.centre") {
            input(&$0, "effort", 0) { $0["transform"] = ["logistic": ["centre": 1e300, "slope": 1]] }
        },
        Case(name: "logistic slope 1e7", keyPath: "effort.inputs[0].transform.logistic.slope") {
            input(&$0, "effort", 0) { $0["transform"] = ["logistic": ["centre": 30, "slope": 1e7]] }
        },
    ]

    @Test(arguments: cases) func malformedFieldNamesItsKeyPath(_ testCase: Case) throws {
        var json = try Self.defaultModelJSON()
        testCase.change(&json)
        let data = try JSONSerialization.data(withJSONObject: json)
        let error = #expect(throws: ModelFileError.self) { try RuleModel(jsonData: data, source: "models/broken.json") }
        #expect(error?.file == "models/broken.json")
        #expect(error?.keyPath == testCase.keyPath, "\(error.map(String.init(describing:)) ?? "no error")")
        #expect(error.map { !$0.message.isEmpty && "\($0)".hasPrefix("models/broken.json: \(testCase.keyPath)") } == true)
    }

    @Test func numbersUpToTheBoundAreAccepted() throws {
        var json = try Self.defaultModelJSON()
        Self.section(&json, "scale") { $0["min"] = -1e6; $0["max"] = 1e6 }
        Self.section(&json, "effort") { $0["maxContributionShare"] = nil; $0["bias"] = -1e6 }
        Self.input(&json, "effort", 0) { $0["weight"] = 1e6; $0["transform"] = ["piecewiseLinear": [[-1e6, 0], [1e6, 1e6]]] }
        let model = try RuleModel(jsonData: try JSONSerialization.data(withJSONObject: json), source: "edge.json")
        #expect(model.scale.max == 1e6 && model.effort.inputs[0].weight == 1e6)
    }

    /// A misspelt metric was accepted and contributed "unknown: +0.0" to every call.
    @Test func aMisspeltMetricIsRefusedNamingTheInput() throws {
        var json = try Self.defaultModelJSON()
        Self.input(&json, "effort", 0) { $0["metric"] = "call.deadAirSecs" }
        let data = try JSONSerialization.data(withJSONObject: json)
        let name = try #require(((json["effort"] as? [String: Any])?["inputs"] as? [[String: Any]])?[0]["name"] as? String)
        let error = #expect(throws: ModelFileError.self) {
            try RuleModel(jsonData: data, source: "models/typo.json", knownMetrics: LoadedModel.knownMetricNames)
        }
        #expect(error?.keyPath == "effort.inputs[0].metric")
        #expect(error?.message.contains("input '\(name)' reads unknown metric 'call.deadAirSecs' (did you mean call.deadAirSeconds?)") == true,
                "\(error.map(String.init(describing:)) ?? "no error")")

        // Through the loader every command uses, from a file.
        let directory = RepositoryPaths.temporaryDirectory("attune-model-file")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/typo.json"
        try data.write(to: URL(fileURLWithPath: path))
        let loaded = #expect(throws: ModelFileError.self) { try LoadedModel.load(path: path) }
        #expect(loaded.map(String.init(describing:))?.hasPrefix("\(path): effort.inputs[0].metric: input '\(name)' reads unknown metric") == true)

        // A distress input with a made-up cue, and one with no near name.
        var cue = try Self.defaultModelJSON()
        Self.input(&cue, "distress", 0) { $0["metric"] = "customer.cues.pitchRiseSemitone" }
        let cueError = #expect(throws: ModelFileError.self) {
            try RuleModel(jsonData: try JSONSerialization.data(withJSONObject: cue), source: "m.json", knownMetrics: LoadedModel.knownMetricNames)
        }
        #expect(cueError?.keyPath == "distress.inputs[0].metric" && cueError?.message.contains("did you mean customer.cues.pitchRiseSemitones?") == true)
        var far = try Self.defaultModelJSON()
        Self.input(&far, "effort", 1) { $0["metric"] = "call.somethingElseEntirely" }
        let farError = #expect(throws: ModelFileError.self) {
            try RuleModel(jsonData: try JSONSerialization.data(withJSONObject: far), source: "m.json", knownMetrics: LoadedModel.knownMetricNames)
        }
        #expect(farError?.keyPath == "effort.inputs[1].metric" && farError?.message.contains("did you mean") == false)
    }

    /// Every metric the shipped model reads is known, and the loader accepts it.
    @Test func theShippedModelReadsOnlyKnownMetrics() throws {
        let loaded = try LoadedModel.load(path: RepositoryPaths.defaultModel)
        for input in loaded.model.effort.inputs + loaded.model.distress.inputs {
            #expect(LoadedModel.knownMetricNames.contains(input.metric), "\(input.metric)")
        }
    }

    @Test func notJSONIsRejected() {
        let error = #expect(throws: ModelFileError.self) { try RuleModel(jsonData: Data("effort: 1".utf8), source: "m.yaml") }
        #expect(error?.keyPath == "")
        #expect(error?.message.contains("not valid JSON") == true)
    }
}
