import ArgumentParser
import AttunePipeline
import AttuneScoring

/// `--scale MIN:MAX:easier|effort`: the survey program's scale, shared by `surveys import` and
/// `feedback`. Default: the scoring model's scale (models/default.json: CES 2.0, 1–7, 7 = very
/// easy), else CES 2.0.
struct SurveyScaleOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The survey program's scale, e.g. 1:7:easier (CES 2.0) or 1:5:effort (CES 1.0, higher = more effort). Default: the scoring model's scale.", valueName: "min:max:easier|effort"))
    var scale: String?

    @OptionGroup var model: ModelOption

    func validate() throws {
        if let scale, Self.parse(scale) == nil { throw ValidationError(Self.usage("--scale", scale)) }
    }

    /// The scale given, else the model's, else CES 2.0.
    func resolve() throws -> SurveyScale {
        if let scale, let parsed = Self.parse(scale) { return parsed }
        return try model.load()?.model.scale ?? .ces2
    }

    /// `1:7:easier` → 1–7, higher = easier; `1:5:effort` → 1–5, higher = more effort.
    static func parse(_ text: String) -> SurveyScale? {
        let parts = text.split(separator: ":").map(String.init)
        guard parts.count == 3, let min = Double(parts[0]), let max = Double(parts[1]), min < max,
              let direction = ["easier": true, "effort": false][parts[2].lowercased()] else { return nil }
        return SurveyScale(min: min, max: max, higherIsEasier: direction)
    }

    static func usage(_ option: String, _ value: String) -> String {
        "\(option) expects MIN:MAX:easier or MIN:MAX:effort with MIN < MAX (e.g. 1:7:easier, 1:5:effort), not \"\(value)\""
    }
}
