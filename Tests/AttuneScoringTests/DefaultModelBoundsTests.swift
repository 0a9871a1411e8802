import AttunePipeline
import AttuneScoring
import AttuneTestSupport
import Foundation
import Testing

/// The shipped model does not pretend (issue 13): no behaviour moves a call further than the
/// share of the scale the model states, and its predictions are spread over the scale rather
/// than pinned at an end. Measured on every fixture call: the calibration set, the call fixtures
/// and the hold fixtures (stereo, two-leg and mono).
@Suite struct DefaultModelBoundsTests {
    static let model = try! LoadedModel.load(path: RepositoryPaths.defaultModel)

    /// Every fixture recording (`*.flac`, `*.wav`; a two-leg call once, by its advisor leg).
    static func recordings() throws -> [CallRecording] {
        var out: [CallRecording] = []
        for folder in [RepositoryPaths.fixtureCalls, RepositoryPaths.fixtureHolds, RepositoryPaths.calibrationCalls] {
            for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() where name.hasSuffix(".flac") || name.hasSuffix(".wav") {
                let path = folder + "/" + name
                if name.hasSuffix(".customer.flac") { continue }
                if name.hasSuffix(".advisor.flac") {
                    out.append(CallRecording(source: .twoLeg(advisor: path, customer: path.replacing(".advisor.flac", with: ".customer.flac"))))
                } else {
                    out.append(CallRecording(source: .file(path)))
                }
            }
        }
        return out
    }

    @Test func noContributionExceedsTheStatedBoundAndFewPredictionsArePinned() throws {
        let share = try #require(Self.model.model.effort.maxContributionShare, "the default model states no bound")
        let boundPoints = share * Self.model.model.scale.span
        let recordings = try Self.recordings()
        #expect(recordings.count >= 60, "fixture folders not found: \(recordings.count) recordings")
        var pinned = 0
        for recording in recordings {
            let report = try RecordingAnalysis.analyze(recording, model: Self.model)
            let effort = try #require(report.scores?.effort)
            for contribution in effort.contributions {
                #expect(abs(contribution.points) <= boundPoints + 0.001, "\(recording.source): \(contribution.text) over \(boundPoints) points")
            }
            if effort.index <= 0 || effort.index >= 1 { pinned += 1 }
        }
        #expect(Double(pinned) <= 0.05 * Double(recordings.count), "\(pinned) of \(recordings.count) pinned at a scale end")
    }

    @Test func aModelFileOverItsOwnBoundIsRefused() throws {
        var json = String(decoding: try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.defaultModel)), as: UTF8.self)
        json = json.replacing("\"maxContributionShare\": 0.25", with: "\"maxContributionShare\": 0.1")
        #expect(throws: ModelFileError.self) { try RuleModel(jsonData: Data(json.utf8), source: "over.json") }
        do {
            _ = try RuleModel(jsonData: Data(json.utf8), source: "over.json")
        } catch {
            #expect(error.keyPath.hasPrefix("effort.inputs[") && error.message.contains("over maxContributionShare 0.1"))
        }
    }
}
