import FoundationEssentials

/// Where the repository's committed data live, found from this file's location.
public enum RepositoryPaths {
    /// The repository root (the folder holding Package.swift).
    public static let root: String = {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        components.removeLast(3)  // Sources/AttuneTestSupport/RepositoryPaths.swift
        return components.joined(separator: "/")
    }()

    /// `fixtures/calls`: the labelled fixture calls.
    public static var fixtureCalls: String { root + "/fixtures/calls" }
    /// `fixtures/holds`: the labelled calls with holds, music, tones and keypad digits.
    public static var fixtureHolds: String { root + "/fixtures/holds" }
    /// `fixtures/calibration`: the labelled calibration calls (effort, CES, distress).
    public static var calibrationCalls: String { root + "/fixtures/calibration" }

    /// `models/default.json`: the shipped scoring model.
    public static var defaultModel: String { root + "/models/default.json" }

    /// `../shared/data`: real human speech with human labels (beside the repository).
    public static var sharedData: String { root + "/../shared/data" }

    /// A fresh, empty temporary folder for one test.
    public static func temporaryDirectory(_ name: String = "attune-test") -> String {
        let path = FileManager.default.temporaryDirectory.path + "/\(name)-\(UInt64.random(in: 0...UInt64.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
