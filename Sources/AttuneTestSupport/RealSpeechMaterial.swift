import Foundation
import Synchronization

/// The test material built from real human speech by `Scripts/make_realspeech.py` (EmoDB and AMI,
/// in `../shared/data`): two-party calls with far talkers (`far`) and with raised phrases on noisy
/// μ-law lines (`raised`), each with a truth file. Too large to commit (99 MB), it is built on first
/// use into `.build-realspeech/` (git-ignored; about 20 s) and rebuilt only when the script or
/// its inputs change.
public enum RealSpeechMaterial {
    /// The folder the material is built into.
    public static var directory: String { RepositoryPaths.root + "/.build-realspeech" }

    /// One built call.
    public struct Call: Sendable {
        public var truth: FixtureTruth
        /// The folder holding its audio and truth.
        public var directory: String
        /// `tune` (thresholds were chosen looking at these) or `heldOut` (never looked at while tuning).
        public var split: String
    }

    /// Every call of `set` (`far` or `raised`), building the material first if needed.
    public static func calls(_ set: String) throws -> [Call] {
        try ensureBuilt()
        let folder = directory + "/" + set
        return try FixtureTruth.allCallIds(directory: folder).map { id in
            let truth = try FixtureTruth.load(id, directory: folder)
            return Call(truth: truth, directory: folder, split: truth.condition.split ?? "tune")
        }
    }

    private static let built = Mutex<Bool>(false)

    /// Runs the generator once per process (it returns at once when the material is current).
    public static func ensureBuilt() throws {
        try built.withLock { done in
            guard !done else { return }
            // No time limit: the first build of the material takes minutes.
            let run = try ChildProcess.run(
                "/usr/bin/env", ["python3", RepositoryPaths.root + "/Scripts/make_realspeech.py", "--quiet", "--out", directory], seconds: nil)
            guard run.status == 0 else {
                throw MaterialError(message: "Scripts/make_realspeech.py failed (\(run.status)): " + run.standardError)
            }
            done = true
        }
    }

    public struct MaterialError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
