import Crypto
public import AttuneScoring
import FoundationEssentials

/// A scoring model read from a file, with the SHA-256 of the file's bytes (recorded in reports
/// and part of every stored result's identity).
public struct LoadedModel: Sendable, Equatable {
    public var model: RuleModel
    /// SHA-256 (hex) of the file's bytes.
    public var sha256: String
    /// Where it came from.
    public var path: String

    public init(model: RuleModel, sha256: String, path: String) {
        self.model = model
        self.sha256 = sha256
        self.path = path
    }

    /// Reads and checks a model file.
    public static func load(path: String) throws(ModelFileError) -> LoadedModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError(file: path, keyPath: "", message: "cannot be read")
        }
        return try load(data: data, path: path)
    }

    /// Checks a model file's bytes (`path` names it in errors and reports; the built-in model's
    /// is `DefaultModel.path`).
    static func load(data: Data, path: String) throws(ModelFileError) -> LoadedModel {
        LoadedModel(model: try RuleModel(jsonData: data, source: path, knownMetrics: knownMetricNames), sha256: sha256(data), path: path)
    }

    /// A model given in code (tests, fitting), hashed as its canonical JSON.
    public init(model: RuleModel, path: String = "(in memory)") {
        self.model = model
        self.path = path
        self.sha256 = Self.sha256((try? model.jsonData()) ?? Data())
    }

    static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
