import ArgumentParser
import AttuneDSP
import FoundationEssentials

/// `--config FILE` and `--set key=value`, shared by every command that analyses audio.
struct SettingsOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: ArgumentHelp("A JSON file of settings: {\"turns.deadAirMinimumSeconds\": 5, …} (keys as `attune config` prints them).", valueName: "file"))
    var configurationFile: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one setting, e.g. --set turns.deadAirMinimumSeconds=5 (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    /// The defaults, then the file, then each `--set`, validated.
    func resolve() throws -> AnalysisConfiguration {
        var configuration = AnalysisConfiguration.default
        if let path = configurationFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read settings file \(path)")
            }
            let values: [String: Double]
            do { values = try JSONDecoder().decode([String: Double].self, from: data) } catch {
                throw ValidationError("\(path): expected a JSON object of setting names to numbers")
            }
            for key in values.keys.sorted() {
                do { try configuration.set(key, to: values[key]!) } catch { throw ValidationError("\(path): \(error)") }
            }
        }
        for override in overrides {
            let parts = override.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let value = Double(parts[1]) else {
                throw ValidationError("--set expects key=number, got '\(override)'")
            }
            do { try configuration.set(parts[0], to: value) } catch { throw ValidationError("--set \(error)") }
        }
        do { try configuration.validate() } catch { throw ValidationError("\(error)") }
        return configuration
    }
}
