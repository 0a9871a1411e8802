import AttuneTestSupport
import Foundation
import Testing

/// A model file with unusable numbers or a misspelt metric is refused naming the file, the key
/// path and the input (issue 14, item 10): a weight of 1e18 crashed `attune analyze` (SIGILL), a
/// bias of -1e308 ended in an encoder error naming no model, a misspelt metric scored quietly.
@Suite struct ModelFileCommandTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var keyPath: String
        var message: String
        var change: @Sendable (inout [String: Any]) -> Void
        var testDescription: String { name }
    }

    static func effort(_ json: inout [String: Any], _ body: (inout [String: Any]) -> Void) {
        var section = json["effort"] as! [String: Any]
        body(&section)
        json["effort"] = section
    }

    static func firstInput(_ json: inout [String: Any], _ body: (inout [String: Any]) -> Void) {
        effort(&json) { section in
            var inputs = section["inputs"] as! [[String: Any]]
            body(&inputs[0])
            section["inputs"] = inputs
        }
    }

    static let cases: [Case] = [
        Case(name: "weight 1e18", keyPath: "effort.inputs[0].weight", message: "expected a number within ±1000000, got 1e+18") { json in
            effort(&json) { $0["maxContributionShare"] = nil }
            firstInput(&json) { $0["weight"] = 1e18 }
        },
        Case(name: "bias -1e308", keyPath: "effort.bias", message: "expected a number within ±1000000, got -1e+308") { json in
            effort(&json) { $0["bias"] = -1e308 }
        },
        Case(name: "scale 1e18", keyPath: "scale.max", message: "expected a number within ±1000000, got 1e+18") { json in
            var scale = json["scale"] as! [String: Any]
            scale["max"] = 1e18
            json["scale"] = scale
        },
        Case(name: "misspelt metric", keyPath: "effort.inputs[0].metric", message: "reads unknown metric 'call.deadAirSecs' (did you mean call.deadAirSeconds?)") { json in
            firstInput(&json) { $0["metric"] = "call.deadAirSecs" }
        },
    ]

    @Test(arguments: cases) func analyzeRefusesTheModelNamingFileKeyAndReason(_ testCase: Case) throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-model-cli")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.defaultModel))) as! [String: Any]
        testCase.change(&json)
        let model = directory + "/model.json"
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: model))
        let result = try AnalyzeCommandTests.run(["analyze", "--json", RepositoryPaths.fixtureCalls + "/calm-clean.flac", "--model", model])
        #expect(result.status == 3)
        #expect(result.standardError.hasPrefix("attune: error: \(model): \(testCase.keyPath): "), "\(result.standardError)")
        #expect(result.standardError.contains(testCase.message), "\(result.standardError)")
        #expect(result.standardOutput.isEmpty)
    }
}
