import ArgumentParser
import AttuneDSP

/// `attune config`: every setting with its default (or resolved value) and unit.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print every analysis setting with its value, unit and meaning.",
        discussion: "With --config/--set, prints the resolved values (what `attune analyze` would use with the same options)."
    )

    @OptionGroup var settings: SettingsOptions

    @Flag(help: "Print as a JSON object of key to value (usable as a --config file).")
    var json = false

    func run() throws {
        let configuration = try settings.resolve()
        let fields = AnalysisConfiguration.fields
        if json {
            let lines = fields.map { "  \"\($0.key)\": \(formatNumber($0.value(in: configuration)))" }
            print("{\n" + lines.joined(separator: ",\n") + "\n}")
            return
        }
        print("Fixed analysis grid: \(AnalysisGrid.sampleRateHz) Hz, \(AnalysisGrid.hopSamples)-sample (10 ms) hop, \(AnalysisGrid.windowSamples)-sample (32 ms) Hann window, \(AnalysisGrid.fftSize)-point FFT.\n")
        let keyWidth = fields.map(\.key.count).max()!
        let valueWidth = fields.map { formatNumber($0.value(in: configuration)).count + 1 + $0.unit.count }.max()!
        for field in fields {
            let value = formatNumber(field.value(in: configuration)) + " " + field.unit
            let marker = field.value(in: configuration) == field.value(in: .default) ? " " : "*"
            print(pad(field.key, keyWidth) + "  " + pad(value, valueWidth) + " " + marker + " " + field.summary)
        }
        if configuration != .default { print("\n* differs from the default") }
    }
}

/// A number without a trailing ".0".
func formatNumber(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}

/// `text` padded with spaces to `width` characters.
func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
