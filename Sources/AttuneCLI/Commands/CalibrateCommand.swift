import ArgumentParser
import AttuneBatch
import AttuneCalibration
import AttunePipeline
import AttuneScoring
import AttuneStore
import Foundation

/// `attune calibrate`: measure a scoring model against labelled data, and fit a new one.
struct CalibrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure a scoring model against a centre's paired surveys (--db), its quality team's labels (--labels), labelled fixtures or EmoDB; optionally fit a new model.",
        discussion: """
            With --db STORE: every stored call with a paired survey (the pairs attune feedback uses; \
            --since/--until/--team select), on the survey's own scale: Spearman ρ, MAE, within one \
            point, bias and agreement per week. The figures are recorded in the store, where feedback's \
            "worth a listen" reads them. --fit fits on those pairs with folds that keep each advisor (or \
            week, --fold-by) on one side and writes a versioned model file with its held-out figures and \
            its parent's hash; it refuses below --min-surveys paired calls. --labels FILE (callId, ces, \
            distress 0/1, note) measures and fits against a quality team's own labels of stored calls instead. \
            Otherwise FIXTURES is a folder of calls with *.truth.json labels (effort, survey CES, distress), or an \
            EmoDB folder with labels.csv (distress only: angry and fear are distressed; each clip is \
            compared with the same speaker's other neutral clips, see --emodb-baseline). Reports Spearman ρ, MAE and within-one accuracy of effort against \
            the survey answers, distress ROC AUC, the level confusion table, and what each distress cue \
            adds, with bootstrap 95 % intervals. --fit fits the weights with k-fold cross-validation and \
            reports held-out figures only, beside the starting model's.
            """
    )

    @Argument(help: "A folder of labelled fixture calls, or an EmoDB folder (or use --db).")
    var fixtures: String?

    @Option(help: ArgumentHelp("Calibrate on this results store's calls with paired surveys (a SQLite file or a postgres:// URL).", valueName: "path-or-url"))
    var db: String?

    @Option(help: ArgumentHelp("With --db: a quality team's labels of stored calls (CSV: callId, ces, distress 0/1, note) instead of the surveys.", valueName: "file"))
    var labels: String?

    @Option(help: ArgumentHelp("With --labels: the scale of its ces column (default: the model's), e.g. 1:5:effort.", valueName: "min:max:easier|effort"))
    var labelsScale: String?

    @Option(help: ArgumentHelp("With --db: only responses on or after this ISO 8601 date or date-time.", valueName: "date"))
    var since: String?

    @Option(help: ArgumentHelp("With --db: only responses before this ISO 8601 date or date-time.", valueName: "date"))
    var until: String?

    @Option(help: ArgumentHelp("With --db: only this team's calls.", valueName: "team"))
    var team: String?

    @Option(help: "With --db --fit: what a fold keeps together, so its calls never sit on both sides.")
    var foldBy: FoldByArgument = .advisor

    enum FoldByArgument: String, ExpressibleByArgument, CaseIterable {
        case advisor, week
        var grouping: FoldGrouping { FoldGrouping(rawValue: rawValue)! }
    }

    @Option(help: ArgumentHelp("With --db --fit: the fewest paired calls to fit on.", valueName: "count"))
    var minSurveys = CalibrationDataset.minimumSurveysToFit

    @Flag(help: "With --db: compare surveys answered on another scale than the model's through the effort index (refused otherwise).")
    var convertScale = false

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
        if (fixtures == nil) == (db == nil) { throw ValidationError("give either FIXTURES or --db STORE") }
        if db == nil, labels != nil || since != nil || until != nil || team != nil || convertScale || labelsScale != nil {
            throw ValidationError("--labels, --labels-scale, --since, --until, --team and --convert-scale need --db")
        }
        if let db { try StoreOption.requireExisting(db) }
        for (option, value) in [("--since", since), ("--until", until)] {
            if let value, Timestamp.normalise(value) == nil { throw ValidationError("\(option) expects an ISO 8601 date or date-time, e.g. 2026-11-22") }
        }
        if let labelsScale, SurveyScaleOptions.parse(labelsScale) == nil { throw ValidationError(SurveyScaleOptions.usage("--labels-scale", labelsScale)) }
        guard minSurveys >= 2 * folds else { throw ValidationError("--min-surveys must be at least twice --folds") }
        if fit && out == nil { throw ValidationError("--fit needs --out FILE for the fitted model") }
        guard folds >= 2 else { throw ValidationError("--folds must be at least 2") }
        guard bootstrap >= 100 else { throw ValidationError("--bootstrap must be at least 100") }
    }

    func run() async throws {
        let configuration = try settings.resolve()
        let loaded = try modelOption.load(required: true)!
        let dataset: CalibrationDataset
        if let db {
            dataset = try await centreDataset(db, model: loaded.model)
        } else {
            let fixtures = fixtures!
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
        }
        var run = CalibrationRun(dataset: dataset)
        run.bootstrapSamples = bootstrap
        var evaluations = [run.evaluate(loaded.model, name: "\(loaded.model.id) \(loaded.model.version) (as given)")]
        var fitted: RuleModel? = nil
        if fit {
            if db != nil, let refusal = dataset.refusalToFit(minimum: minSurveys, folds: folds, grouping: foldBy.grouping) {
                printError("attune: error: \(refusal)")
                throw ExitCode(1)
            }
            let result = run.fit(loaded.model, folds: folds, scores: db != nil && labels == nil ? .effort : fitOnly.scores)
            fitted = result.fitted
            evaluations.append(result.heldOut)
            if let db, let heldOut = result.heldOut.effort, let starting = evaluations[0].effort {
                let dated = dataset.examples.compactMap(\.respondedAt).sorted()
                fitted?.fit = FitProvenance(
                    parentId: loaded.model.id, parentVersion: loaded.model.version, parentSha256: loaded.sha256,
                    source: (labels.map { "labels \($0) on " } ?? "") + "results store \(db)", team: team,
                    firstResponseAt: dated.first, lastResponseAt: dated.last, surveys: heldOut.count, folds: folds, foldBy: foldBy.rawValue,
                    heldOut: heldOut.figures, parentOnSameCalls: starting.figures)
            }
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
            if let db, labels == nil, let heldOut = evaluations.last?.effort {
                let written = try LoadedModel.load(path: out)
                try await record(heldOut, model: written, parentSha256: loaded.sha256, kind: "heldOut", db: db)
                print("Its held-out figures are recorded in \(db): calls it scores (attune batch --model \(out)) get \"worth a listen\" from them.")
            }
        }
        if let db, labels == nil, let measured = evaluations.first?.effort {
            if let inSample = inSampleSurveys(loaded.model, dataset) {
                print("\nNot recorded in \(db): \(loaded.model.id) \(loaded.model.version) was fitted on \(inSample) of these surveys, so its figures here are in sample.")
            } else {
                try await record(measured, model: loaded, parentSha256: loaded.model.fit?.parentSha256, kind: "measured", db: db)
                print("\nRecorded in \(db): feedback marks calls scored by \(loaded.model.id) \(loaded.model.version) worth a listen beyond its \(CalibrationText.number(measured.errorQuantileIndex * measured.scale.span, places: 2))-point 90th-percentile error.")
            }
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

    // MARK: - A centre's own data

    /// The store's surveyed calls (or its calls a labels file names), as a dataset.
    private func centreDataset(_ db: String, model: RuleModel) async throws -> CalibrationDataset {
        let metricNames = Set((model.effort.inputs + model.distress.inputs).map(\.metric))
        do {
            let database = try await ResultsStore.open(db)
            if let labels {
                let text: String
                do { text = try String(contentsOfFile: labels, encoding: .utf8) } catch {
                    printError("attune: error: \(labels): cannot be read (\(error.localizedDescription))")
                    throw ExitCode(1)
                }
                let scale = labelsScale.flatMap(SurveyScaleOptions.parse) ?? model.scale
                let parsed = try CalibrationDataset.labels(csv: text, file: labels, scale: scale)
                let stored = try await database.storedCalls(callIds: parsed.map(\.callId), metricNames: metricNames)
                let dataset = CalibrationDataset.labelled(parsed, stored: stored, name: "\(labels) on \(db)", scale: scale, model: model, grouping: foldBy.grouping)
                guard !dataset.examples.isEmpty else {
                    printError("attune: error: \(labels): none of its \(parsed.count) call(s) is in \(db)")
                    throw ExitCode(1)
                }
                return dataset
            }
            let selection = CalibrationSelection(since: since.flatMap(Timestamp.normalise), until: until.flatMap(Timestamp.normalise), team: team)
            let calls = try await database.surveyedCalls(selection, metricNames: metricNames)
            guard calls.count >= 3 else {
                printError("attune: error: \(db): \(calls.count) stored call(s) with a paired survey\(selection == CalibrationSelection() ? "" : " in the selection"); import surveys with attune surveys import, or widen --since/--until/--team")
                throw ExitCode(1)
            }
            var name = "\(db): \(calls.count) surveyed call(s)"
            if let team { name += ", team \(team)" }
            if since != nil || until != nil { name += ", responses \(since ?? "…") to \(until ?? "…")" }
            return try CalibrationDataset.surveyed(calls, name: name, model: model, grouping: foldBy.grouping, scales: convertScale ? .convert : .refuse)
        } catch let error as CalibrationRefusal {
            printError("attune: error: \(error)")
            throw ExitCode(1)
        } catch let error as StorageError {
            printError("attune: error: \(error)")
            throw ExitCode(3)
        }
    }

    /// How many of the dataset's surveys a fitted model was fitted on (by response time), if any.
    private func inSampleSurveys(_ model: RuleModel, _ dataset: CalibrationDataset) -> Int? {
        guard let fit = model.fit else { return nil }
        let first = fit.firstResponseAt ?? "", last = fit.lastResponseAt ?? "\u{10FFFF}"
        let overlapping = dataset.examples.count { example in example.respondedAt.map { $0 >= first && $0 <= last } ?? true }
        return overlapping > 0 ? overlapping : nil
    }

    /// Records a model's figures on this store's surveys.
    private func record(_ effort: EffortEvaluation, model: LoadedModel, parentSha256: String?, kind: String, db: String) async throws {
        do {
            let database = try await ResultsStore.open(db)
            _ = try await database.recordCalibration(StoredCalibration(
                modelId: model.model.id, modelVersion: model.model.version, modelSha256: model.sha256, parentSha256: parentSha256, kind: kind,
                team: team, since: since.flatMap(Timestamp.normalise), until: until.flatMap(Timestamp.normalise), figures: effort.figures,
                scale: effort.scale))
        } catch {
            printError("attune: error: \(error)")
            throw ExitCode(3)
        }
    }
}
