import AttuneCalibration
import AttunePipeline
import AttuneScoring
import AttuneTestSupport

/// The shipped model refitted on `dataset` with `folds`-fold cross-validation (a group's examples
/// in one fold), and the evaluation of its held-out predictions. 200 bootstrap resamples: the
/// tests assert the point figures, not the intervals.
func heldOutEvaluation(_ dataset: CalibrationDataset, folds: Int, scores: CalibrationRun.FitScores) throws -> ModelEvaluation {
    let model = try LoadedModel.load(path: RepositoryPaths.defaultModel).model
    var run = CalibrationRun(dataset: dataset)
    run.bootstrapSamples = 200
    return run.fit(model, folds: folds, scores: scores).heldOut
}
