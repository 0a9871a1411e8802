import ArgumentParser
import AttuneCalibration
import AttunePipeline
import AttuneScoring
import Foundation

/// `attune calibrate`: measure a scoring model against labelled data, and fit a new one.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure a scoring model against labelled fixtures (or EmoDB), optionally fitting a new model.",
        discussion: """
            FIXTURES is a folder of calls with *.truth.json labels (effort, survey CES, distress), or an \
            EmoDB folder with labels.csv (distress only: angry and fear are distressed; each clip is \
            compared with the same speaker's other neutral clips, see --emodb-baseline). Reports Spearman ρ, MAE and within-one accuracy of effort against \
            the survey answers, distress ROC AUC, the level confusion table, and what each distress cue \
            adds, with bootstrap 95 % intervals. --fit fits the weights with k-fold cross-validation and \
            reports held-out figures only, beside the starting model's.
            """
    )

    @Argument(help: "A folder of labelled fixture calls, or an EmoDB folder.")
    var fixtures: String

    @OptionGroup var modelOption: ModelOption

    @Flag(help: "Fit the weights (with cross-validation) and write a new model file.")
    var fit = false

    @Option(help: ArgumentHelp("Where --fit writes the fitted model.", valueName: "file"))
    var out: String?

    @Option(help: "With --fit: which scores to fit (the others are copied from the starting model).")
    var fitOnly: FitScoresArgument = .both

    enum FitScoresArgument: String, ExpressibleByArgument, CaseIterable {
        case effort, distress, both
        var scores: CalibrationRun.FitScores { self == .effort ? .effort : self == .distress ? .distress : .both }
    }

    @Option(help: "Cross-validation folds for --fit.")
    var folds = 5

    @Option(help: ArgumentHelp("Also write a self-contained HTML report with reliability plots.", valueName: "file"))
    var html: String?

    @Option(help: ArgumentHelp("Also write every example's labels and metrics as CSV (one row per example), for analysis elsewhere.", valueName: "file"))
    var examplesCsv: String?

    @Option(help: "Bootstrap resamples for the 95 % intervals.")
    var bootstrap = 1000

    @Option(help: "EmoDB only: stream each clip after the speaker's other neutral clips, as a call presents it (inContext); or compare clip means with the speaker's other neutral clips (calm), the mean of all their clips (speakerMean), or everyone's mean (none: no speaker baseline).")
    var emodbBaseline: EmoDBBaselineArgument = .inContext

    enum EmoDBBaselineArgument: String, ExpressibleByArgument, CaseIterable {
        case inContext, calm, speakerMean, none
    }

    @OptionGroup var settings: SettingsOptions

    func validate() throws {
        if fit && out == nil { throw ValidationError("--fit needs --out FILE for the fitted model") }
        guard folds >= 2 else { throw ValidationError("--folds must be at least 2") }
        guard bootstrap >= 100 else { throw ValidationError("--bootstrap must be at least 100") }
    }

    func run() throws {
        let configuration = try settings.resolve()
        let loaded = try modelOption.load(required: true)!
        let dataset: CalibrationDataset
        do {
            dataset = try CalibrationDataset.load(
                fixtures, model: loaded, configuration: configuration, emoDBBaseline: CalibrationDataset.EmoDBBaseline(rawValue: emodbBaseline.rawValue)!)
        } catch {
            printError("attune: error: \(fixtures): \(error)")
            throw ExitCode(1)
        }
        guard !dataset.examples.isEmpty else {
            printError("attune: error: \(fixtures): no labelled examples (expected *.truth.json with labels, or labels.csv)")
            throw ExitCode(1)
        }
        var run = CalibrationRun(dataset: dataset)
        run.bootstrapSamples = bootstrap
        var evaluations = [run.evaluate(loaded.model, name: "\(loaded.model.id) \(loaded.model.version) (as given)")]
        var fitted: RuleModel? = nil
        if fit {
            let result = run.fit(loaded.model, folds: folds, scores: fitOnly.scores)
            fitted = result.fitted
            evaluations.append(result.heldOut)
        }
        let text = CalibrationText.render(dataset: dataset, model: loaded.model, sha256: loaded.sha256, evaluations: evaluations, folds: fit ? folds : nil)
        print(text)
        for line in dataset.skipped { printError("attune: skipped: \(line)") }
        if let fitted, let out {
            var model = fitted
            model.id = URL(fileURLWithPath: out).deletingPathExtension().lastPathComponent
            do { try model.jsonData().write(to: URL(fileURLWithPath: out)) } catch {
                printError("attune: error: \(out): \(error)")
                throw ExitCode(1)
            }
            print("\nFitted model written to \(out) (id \(model.id), version \(model.version)).")
        }
        if let examplesCsv {
            do { try Data(dataset.examplesCSV().utf8).write(to: URL(fileURLWithPath: examplesCsv)) } catch {
                printError("attune: error: \(examplesCsv): \(error)")
                throw ExitCode(1)
            }
            print("Examples written to \(examplesCsv).")
        }
        if let html {
            let page = CalibrationHTML.render(dataset: dataset, model: loaded.model, sha256: loaded.sha256, evaluations: evaluations, folds: fit ? folds : nil)
            do { try Data(page.utf8).write(to: URL(fileURLWithPath: html)) } catch {
                printError("attune: error: \(html): \(error)")
                throw ExitCode(1)
            }
            print("HTML report written to \(html).")
        }
    }
}
