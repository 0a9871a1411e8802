import AttuneLive
import AttuneTestSupport
import Glibc
import Testing

@testable import AttuneDSP

/// DTMF digits (ITU-T Q.23/Q.24) and call-progress tones, on signals built here at 8 kHz and fed
/// frame by frame exactly as the engine frames them: the raw 256-sample window `[80i − 88, 80i + 168)`,
/// its Hann-windowed 512-point power spectrum in mean-square units, and its power from 250 to 3500 Hz.
/// Tone levels here are in dBFS of a sine's peak (0 dBFS: a full-scale sine).
@Suite struct ToneDetectorTests {
    static let rate = 8000.0
    static let keypad = Array("123A456B789C*0#D")
    static let rowHz = [697.0, 770, 852, 941]
    static let columnHz = [1209.0, 1336, 1477, 1633]

    // MARK: - DTMF

    /// Per-tone levels (low group, high group) in dBFS: −25 to −5 dBFS, twist 0–4 dB either way.
    static let levelPairs: [(Double, Double)] = [
        (-5, -5), (-5, -9), (-9, -5), (-15, -15), (-15, -19), (-19, -15), (-25, -25), (-21, -25), (-25, -21),
    ]

    /// Every digit, 50–100 ms tones with 50–100 ms gaps, white noise 15 dB below the pair, through
    /// μ-law: decoded, each edge within 20 ms, and nothing else reported.
    @Test(arguments: levelPairs.indices)
    func everyDigitIsDecodedOnANoisyMuLawLine(condition: Int) {
        let (lowDb, highDb) = Self.levelPairs[condition]
        var random = Random(seed: 100 + UInt64(condition))
        var signal = Signal()
        var truth: [(digit: Character, start: Double, end: Double)] = []
        signal.silence(seconds: 0.2)
        for digit in Self.keypad + Self.keypad.reversed() {
            let seconds = random.nextUniform(0.05, 0.1)
            let start = signal.seconds
            signal.dtmf(digit, lowDb: lowDb, highDb: highDb, seconds: seconds, random: &random)
            truth.append((digit, start, start + seconds))
            signal.silence(seconds: random.nextUniform(0.05, 0.1))
        }
        signal.silence(seconds: 0.2)
        let pairPower = (pow(10, lowDb / 10) + pow(10, highDb / 10)) / 2
        signal.addWhiteNoise(power: pairPower / pow(10, 1.5), random: &random)
        let runs = Self.detect(Self.muLaw(signal.samples))

        #expect(runs.filter { $0.kind == .callProgress }.isEmpty, "\(runs)")
        let digits = runs.filter { $0.kind == .dtmf }
        #expect(digits.map { $0.digit } == truth.map { $0.digit }, "levels \(lowDb)/\(highDb) dBFS")
        for (run, expected) in zip(digits, truth) where run.digit == expected.digit {
            #expect(abs(run.startSeconds - expected.start) <= 0.02, "\(expected.digit) starts \(run.startSeconds) s, truth \(expected.start) s")
            #expect(abs(run.endSeconds - expected.end) <= 0.02, "\(expected.digit) ends \(run.endSeconds) s, truth \(expected.end) s")
            let index = Self.keypad.firstIndex(of: expected.digit)!
            #expect(run.frequenciesHz == [Self.rowHz[index / 4], Self.columnHz[index % 4]])
        }
    }

    /// Q.24 timing: a pair under 23 ms is not a digit, one of 40 ms is (clean and at 15 dB SNR).
    @Test(arguments: [false, true])
    func digitsShorterThan23MillisecondsAreRejected(noisy: Bool) {
        var random = Random(seed: noisy ? 7 : 8)
        for (seconds, expected) in [(0.015, 0), (0.020, 0), (0.022, 0), (0.040, 1), (0.045, 1)] {
            var hits = 0
            for offset in 0..<8 {  // the tone at every phase of the 10 ms frame grid
                var signal = Signal()
                signal.silence(seconds: 0.1 + Double(offset) * 0.00125)
                signal.dtmf("5", lowDb: -10, highDb: -10, seconds: seconds, random: &random)
                signal.silence(seconds: 0.1)
                if noisy { signal.addWhiteNoise(power: pow(10, -1.0) / pow(10, 1.5), random: &random) }
                let runs = Self.detect(signal.samples)
                #expect(runs.filter { $0.kind == .callProgress }.isEmpty)
                if runs.filter({ $0.kind == .dtmf }).count == 1 { hits += 1 }
            }
            #expect(hits == expected * 8, "\(seconds * 1000) ms pair: \(hits) of 8 reported")
        }
    }

    /// Twist (row level over column level) within +8/−4 dB is a digit; beyond it is nothing.
    @Test func twistBeyondTheLimitsIsRejected() {
        var random = Random(seed: 11)
        for (twistDb, accepted) in [(0.0, true), (7.0, true), (-3.5, true), (10.0, false), (-6.0, false)] {
            var signal = Signal()
            signal.silence(seconds: 0.1)
            signal.dtmf("8", lowDb: -10 + twistDb / 2, highDb: -10 - twistDb / 2, seconds: 0.1, random: &random)
            signal.silence(seconds: 0.1)
            let runs = Self.detect(signal.samples)
            #expect(runs.map { $0.digit } == (accepted ? ["8"] : []), "twist \(twistDb) dB: \(runs)")
        }
    }

    /// Q.24 frequency tolerance: both tones 1.5 % off register; 3.5 % off (either or both tones,
    /// either way) do not, as a digit or as anything else.
    @Test func offFrequencyPairsAreRejected() {
        var random = Random(seed: 12)
        let cases: [(Double, Double, Bool)] = [
            (1.015, 1.015, true), (0.985, 0.985, true), (1.015, 0.985, true),
            (1.035, 1.035, false), (0.965, 0.965, false), (1.035, 1.0, false), (1.0, 0.965, false), (0.965, 1.035, false),
        ]
        for digit in Self.keypad {
            let index = Self.keypad.firstIndex(of: digit)!
            for (lowScale, highScale, accepted) in cases {
                var signal = Signal()
                signal.silence(seconds: 0.1)
                signal.tones([(Self.rowHz[index / 4] * lowScale, -10), (Self.columnHz[index % 4] * highScale, -10)], seconds: 0.1, random: &random)
                signal.silence(seconds: 0.1)
                let runs = Self.detect(signal.samples)
                #expect(runs.map { $0.digit } == (accepted ? [digit] : []), "\(digit) at ×\(lowScale)/×\(highScale): \(runs)")
            }
        }
    }

    /// Q.24: a 10 ms break inside a digit does not make two; a 40 ms pause between the same digit does.
    @Test func interruptionsAreBridgedAndPausesSplit() {
        var random = Random(seed: 13)
        for (gap, expected) in [(0.005, 1), (0.01, 1), (0.04, 2), (0.05, 2)] {
            var signal = Signal()
            signal.silence(seconds: 0.1)
            signal.dtmf("0", lowDb: -10, highDb: -10, seconds: 0.06, random: &random)
            signal.silence(seconds: gap)
            signal.dtmf("0", lowDb: -10, highDb: -10, seconds: 0.06, random: &random)
            signal.silence(seconds: 0.1)
            signal.addWhiteNoise(power: pow(10, -1.0) / pow(10, 1.5), random: &random)
            let runs = Self.detect(signal.samples)
            #expect(runs.count == expected && runs.allSatisfy { $0.digit == "0" }, "\(gap * 1000) ms gap: \(runs)")
        }
    }

    /// A digit held for half a second or more is one DTMF run, not also a call-progress tone.
    @Test func longDigitsAreNotCallProgressTones() {
        var random = Random(seed: 14)
        var signal = Signal()
        var truth: [(Character, Double, Double)] = []
        for (digit, seconds) in [("1", 0.5), ("9", 1.0), ("#", 0.7), ("D", 2.0)] as [(Character, Double)] {
            signal.silence(seconds: 0.3)
            truth.append((digit, signal.seconds, signal.seconds + seconds))
            signal.dtmf(digit, lowDb: -12, highDb: -14, seconds: seconds, random: &random)
        }
        signal.silence(seconds: 0.3)
        signal.addWhiteNoise(power: pow(10, -1.3) / pow(10, 2), random: &random)
        let runs = Self.detect(Self.muLaw(signal.samples))
        #expect(runs.count == truth.count, "\(runs)")
        for (run, expected) in zip(runs, truth) {
            #expect(run.kind == .dtmf && run.digit == expected.0)
            #expect(abs(run.startSeconds - expected.1) <= 0.02 && abs(run.endSeconds - expected.2) <= 0.02, "\(run) vs \(expected)")
        }
    }

    /// The configuration reaches the detector: a longer minimum drops a 60 ms digit, a wider
    /// reverse twist admits 6 dB, a higher lowest frequency drops a 425 Hz tone.
    @Test func configurationIsApplied() {
        var random = Random(seed: 15)
        var signal = Signal()
        signal.silence(seconds: 0.1)
        signal.dtmf("2", lowDb: -10, highDb: -10, seconds: 0.06, random: &random)
        signal.silence(seconds: 0.1)
        signal.dtmf("3", lowDb: -10, highDb: -10, seconds: 0.1, random: &random)
        signal.silence(seconds: 0.1)
        signal.dtmf("6", lowDb: -13, highDb: -7, seconds: 0.1, random: &random)
        signal.silence(seconds: 0.1)
        signal.tones([(425, -15)], seconds: 1, random: &random)
        signal.silence(seconds: 0.1)
        #expect(Self.detect(signal.samples).map { $0.digit ?? "~" } == ["2", "3", "~"])
        var configuration = ToneConfiguration()
        configuration.dtmfMinimumSeconds = 0.08
        configuration.dtmfMaximumReverseTwistDb = 7
        configuration.callProgressLowestHz = 450
        #expect(Self.detect(signal.samples, configuration: configuration).map { $0.digit ?? "~" } == ["3", "6"])
    }

    // MARK: - Call progress

    /// Cadenced tones: each on-period a run within 30 ms, frequencies measured within 2 Hz, on a
    /// μ-law line with white noise 20 dB below the tone.
    @Test(arguments: [
        CallProgressCase(name: "ringback 440+480 (2 s on, 4 s off)", hz: [440, 480], cadence: [2, 4], cycles: 3),
        CallProgressCase(name: "busy 480+620 (0.5/0.5)", hz: [480, 620], cadence: [0.5, 0.5], cycles: 6),
        CallProgressCase(name: "reorder 480+620 (0.25/0.25)", hz: [480, 620], cadence: [0.25, 0.25], cycles: 6),
        CallProgressCase(name: "single 425 Hz (1 s on, 1 s off)", hz: [425], cadence: [1, 1], cycles: 3),
        CallProgressCase(name: "UK ringback 400+450 (0.4/0.2/0.4/2)", hz: [400, 450], cadence: [0.4, 0.2, 0.4, 2], cycles: 2),
        CallProgressCase(name: "dial 350+440 (continuous 3 s)", hz: [350, 440], cadence: [3, 0.5], cycles: 1),
        CallProgressCase(name: "single 400 Hz (0.75/0.75)", hz: [400], cadence: [0.75, 0.75], cycles: 3),
    ])
    func callProgressRunsMatchTheCadence(_ tone: CallProgressCase) {
        var random = Random(seed: 21)
        var signal = Signal()
        var truth: [(Double, Double)] = []
        signal.silence(seconds: 0.5)
        for _ in 0..<tone.cycles {
            for (i, seconds) in tone.cadence.enumerated() {
                if i % 2 == 0 {
                    truth.append((signal.seconds, signal.seconds + seconds))
                    signal.tones(tone.hz.map { ($0, -20) }, seconds: seconds, random: &random)
                } else {
                    signal.silence(seconds: seconds)
                }
            }
        }
        signal.addWhiteNoise(power: pow(10, -2.3) * Double(tone.hz.count) / 100, random: &random)
        let runs = Self.detect(Self.muLaw(signal.samples))
        #expect(runs.count == truth.count && runs.allSatisfy { $0.kind == .callProgress }, "\(tone.name): \(runs)")
        for (run, expected) in zip(runs, truth) {
            #expect(abs(run.startSeconds - expected.0) <= 0.03, "\(tone.name): starts \(run.startSeconds) s, truth \(expected.0) s")
            #expect(abs(run.endSeconds - expected.1) <= 0.03, "\(tone.name): ends \(run.endSeconds) s, truth \(expected.1) s")
            #expect(run.frequenciesHz.count == tone.hz.count, "\(tone.name): \(run.frequenciesHz)")
            for (measured, nominal) in zip(run.frequenciesHz, tone.hz) {
                #expect(abs(measured - nominal) <= 2, "\(tone.name): \(run.frequenciesHz)")
            }
        }
    }

    /// Special information tone: three 274 ms segments back to back, each its own run.
    @Test func specialInformationToneIsThreeRuns() {
        var random = Random(seed: 22)
        var signal = Signal()
        signal.silence(seconds: 0.3)
        let hz = [913.8, 1370.6, 1776.7]
        var truth: [Double] = []
        for f in hz {
            truth.append(signal.seconds)
            signal.tones([(f, -15)], seconds: 0.274, random: &random)
        }
        truth.append(signal.seconds)
        signal.silence(seconds: 0.3)
        signal.addWhiteNoise(power: pow(10, -1.8) / 100, random: &random)
        let runs = Self.detect(Self.muLaw(signal.samples))
        #expect(runs.count == 3, "\(runs)")
        for (i, run) in runs.enumerated() where i < 3 {
            #expect(run.kind == .callProgress && run.frequenciesHz.count == 1 && abs(run.frequenciesHz[0] - hz[i]) <= 2, "\(run)")
            #expect(abs(run.startSeconds - truth[i]) <= 0.03 && abs(run.endSeconds - truth[i + 1]) <= 0.03, "\(run)")
        }
    }

    // MARK: - Nothing to report

    /// Voice-like harmonic tones: 20 harmonics of an F0 gliding between 100 and 250 Hz at 2–6 %
    /// per 100 ms, with a glottal (1/h), a steep (1/h²) or a vowel (formant) spectrum.
    @Test(arguments: 0..<9)
    func voiceLikeHarmonicsAreNoTone(variant: Int) {
        var random = Random(seed: 30 + UInt64(variant))
        let samples = Self.voiceLike(seconds: 6, shape: variant % 3, syllabic: false, random: &random)
        var detector = ToneDetector(configuration: ToneConfiguration())
        var tonal = 0
        Self.feed(samples, into: &detector) { if $0.isInTone { tonal += 1 } }
        detector.finish()
        #expect(detector.runs.isEmpty, "variant \(variant): \(detector.runs)")
        #expect(tonal <= 8, "variant \(variant): \(tonal) frames in a tone")
    }

    /// Speech-like: the same voices, amplitude-modulated in syllables (3–6 Hz, 20–30 dB deep) with
    /// pauses, at several levels, on a μ-law line with some noise.
    @Test(arguments: 0..<6)
    func speechLikeModulatedHarmonicsAreNoTone(variant: Int) {
        var random = Random(seed: 40 + UInt64(variant))
        var samples = Self.voiceLike(seconds: 6, shape: variant % 3, syllabic: true, random: &random)
        var signal = Signal()
        signal.samples = samples
        signal.addWhiteNoise(power: 1e-5, random: &random)
        samples = Self.muLaw(signal.samples)
        let runs = Self.detect(samples)
        #expect(runs.isEmpty, "variant \(variant): \(runs)")
    }

    /// White and pink noise at several levels: nothing.
    @Test func noiseIsNoTone() {
        var random = Random(seed: 50)
        for pink in [false, true] {
            for levelDb in [-50.0, -30.0, -10.0] {
                var signal = Signal()
                signal.silence(seconds: 5)
                if pink { signal.addPinkNoise(power: pow(10, levelDb / 10), random: &random) } else { signal.addWhiteNoise(power: pow(10, levelDb / 10), random: &random) }
                var detector = ToneDetector(configuration: ToneConfiguration())
                var tonal = 0
                Self.feed(Self.muLaw(signal.samples), into: &detector) { if $0.isInTone { tonal += 1 } }
                detector.finish()
                #expect(detector.runs.isEmpty && tonal == 0, "\(pink ? "pink" : "white") at \(levelDb) dB: \(detector.runs), \(tonal) tonal frames")
            }
        }
    }

    /// Three-note chords with harmonics (held 3 s): neither DTMF nor call progress.
    @Test func chordsAreNoTone() {
        var random = Random(seed: 60)
        let chords: [[Double]] = [
            [261.63, 329.63, 392.00],  // C major
            [440.00, 554.37, 659.25],  // A major
            [349.23, 440.00, 523.25],  // F major
            [293.66, 349.23, 440.00],  // D minor
            [698.46, 880.00, 1046.50],  // F major, an octave up
        ]
        for notes in chords {
            for harmonics in [4, 8] {
                var signal = Signal()
                signal.silence(seconds: 0.2)
                var partials: [(Double, Double)] = []
                for f in notes {
                    for h in 1...harmonics where Double(h) * f < 3800 {
                        partials.append((Double(h) * f, -14 - 20 * log10(Double(h))))
                    }
                }
                signal.tones(partials, seconds: 3, random: &random)
                signal.silence(seconds: 0.2)
                let runs = Self.detect(Self.muLaw(signal.samples))
                #expect(runs.isEmpty, "\(notes) with \(harmonics) harmonics: \(runs)")
            }
        }
    }

    // MARK: - Streaming

    /// `snapshotRuns()` mid-stream: in a gap, exactly the final runs that started before; inside a
    /// tone, those plus the open one, closed at the last frame.
    @Test func snapshotsArePrefixesOfTheFinalRuns() {
        var random = Random(seed: 70)
        var signal = Signal()
        signal.silence(seconds: 0.3)
        for digit in "147*" {
            signal.dtmf(digit, lowDb: -12, highDb: -12, seconds: 0.08, random: &random)
            signal.silence(seconds: 0.08)
        }
        signal.silence(seconds: 0.3)
        for _ in 0..<2 {
            signal.tones([(440, -20), (480, -20)], seconds: 1, random: &random)
            signal.silence(seconds: 1)
        }
        signal.addWhiteNoise(power: 1e-5, random: &random)
        var detector = ToneDetector(configuration: ToneConfiguration())
        var snapshots: [(frame: Int, runs: [ToneRun], inTone: Bool)] = []
        var frame = 0
        Self.feed(signal.samples, into: &detector) { detector in
            if frame % 7 == 0 { snapshots.append((frame, detector.snapshotRuns(), detector.isInTone)) }
            frame += 1
        }
        let before = detector.runs
        detector.finish()
        let final = detector.runs
        #expect(final.count == 6 && final.prefix(4).map { $0.digit } == ["1", "4", "7", "*"], "\(final)")
        #expect(before == final)
        var inside = 0, between = 0
        for snapshot in snapshots {
            // Runs closed by then (a run closes two frames after its end), then at most the open one.
            let closed = final.filter { $0.endFrame + 2 <= snapshot.frame }
            if !final.contains(where: { $0.startFrame - 5 <= snapshot.frame && snapshot.frame < $0.endFrame + 2 }) {
                between += 1
                #expect(snapshot.runs == closed, "frame \(snapshot.frame)")
            }
            #expect(Array(snapshot.runs.prefix(closed.count)) == closed, "frame \(snapshot.frame)")
            #expect(snapshot.runs.count <= closed.count + 1, "frame \(snapshot.frame)")
            if snapshot.runs.count == closed.count + 1, let open = snapshot.runs.last, closed.count < final.count {
                let later = final[closed.count]
                #expect(open.kind == later.kind && open.digit == later.digit && open.startFrame == later.startFrame, "frame \(snapshot.frame)")
                #expect(open.endFrame <= snapshot.frame + 1)
                if snapshot.inTone {
                    inside += 1
                    #expect(open.endFrame == snapshot.frame + 1, "frame \(snapshot.frame)")
                }
            }
        }
        #expect(inside >= 20 && between >= 20)
    }

    /// `isInTone`: every frame well inside a ringback on-period, no frame of the noise around it.
    @Test func isInToneInsideAToneAndNotInNoise() {
        var random = Random(seed: 80)
        var signal = Signal()
        signal.silence(seconds: 2)
        signal.tones([(440, -20), (480, -20)], seconds: 2, random: &random)
        signal.silence(seconds: 2)
        signal.addWhiteNoise(power: pow(10, -4.0), random: &random)
        var detector = ToneDetector(configuration: ToneConfiguration())
        var flags: [Bool] = []
        Self.feed(Self.muLaw(signal.samples), into: &detector) { flags.append($0.isInTone) }
        // From the fifth frame of the tone (its first four are not yet sure) to its end.
        #expect(flags[205..<399].allSatisfy { $0 }, "\(flags[195..<405].map { $0 ? 1 : 0 })")
        #expect(!flags[0..<195].contains(true) && !flags[405...].contains(true))
    }

    // MARK: - Signals

    struct CallProgressCase: Sendable, CustomTestStringConvertible {
        var name: String
        var hz: [Double]
        var cadence: [Double]
        var cycles: Int
        var testDescription: String { name }
    }

    /// Seeded draws (SplitMix64, Gaussian by Box–Muller): AttuneTestSupport's generator.
    typealias Random = SignalGenerator

    /// A signal built piece by piece at 8 kHz.
    struct Signal {
        var samples: [Float] = []
        var seconds: Double { Double(samples.count) / ToneDetectorTests.rate }

        mutating func silence(seconds: Double) {
            samples += [Float](repeating: 0, count: Int((seconds * ToneDetectorTests.rate).rounded()))
        }

        /// Sines (Hz, dBFS of peak) from random phases.
        mutating func tones(_ partials: [(Double, Double)], seconds: Double, random: inout Random) {
            let count = Int((seconds * ToneDetectorTests.rate).rounded())
            var chunk = [Double](repeating: 0, count: count)
            for (hz, db) in partials {
                let amplitude = pow(10, db / 20), phase = random.nextUniform(0, 2 * Double.pi)
                let step = 2 * Double.pi * hz / ToneDetectorTests.rate
                for n in 0..<count { chunk[n] += amplitude * sin(phase + step * Double(n)) }
            }
            samples += chunk.map { Float($0) }
        }

        mutating func dtmf(_ digit: Character, lowDb: Double, highDb: Double, seconds: Double, random: inout Random) {
            let index = ToneDetectorTests.keypad.firstIndex(of: digit)!
            tones([(ToneDetectorTests.rowHz[index / 4], lowDb), (ToneDetectorTests.columnHz[index % 4], highDb)], seconds: seconds, random: &random)
        }

        /// White Gaussian noise of mean-square `power` over the whole signal.
        mutating func addWhiteNoise(power: Double, random: inout Random) {
            let rms = power.squareRoot()
            for n in samples.indices { samples[n] += Float(random.nextGaussian() * rms) }
        }

        /// Pink noise (Kellet's filter on white noise), mean-square `power`.
        mutating func addPinkNoise(power: Double, random: inout Random) {
            var b = [Double](repeating: 0, count: 7)
            var pink = [Double](repeating: 0, count: samples.count)
            for n in pink.indices {
                let w = random.nextGaussian()
                b[0] = 0.99886 * b[0] + w * 0.0555179
                b[1] = 0.99332 * b[1] + w * 0.0750759
                b[2] = 0.96900 * b[2] + w * 0.1538520
                b[3] = 0.86650 * b[3] + w * 0.3104856
                b[4] = 0.55000 * b[4] + w * 0.5329522
                b[5] = -0.7616 * b[5] - w * 0.0168980
                pink[n] = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + w * 0.5362
                b[6] = w * 0.115926
            }
            let meanSquare = pink.reduce(0) { $0 + $1 * $1 } / Double(max(pink.count, 1))
            let scale = (power / meanSquare).squareRoot()
            for n in samples.indices { samples[n] += Float(pink[n] * scale) }
        }
    }

    /// A voice-like harmonic signal: 20 harmonics of an F0 that glides between 100 and 250 Hz at
    /// 2–6 % per 100 ms, turning every 0.2–0.6 s. `shape` 0: amplitudes 1/h; 1: 1/h²; 2: a vowel
    /// (formants moving every 0.15–0.3 s). `syllabic`: 3–6 Hz syllables 20–30 dB deep, pauses.
    static func voiceLike(seconds: Double, shape: Int, syllabic: Bool, random: inout Random) -> [Float] {
        let count = Int(seconds * rate)
        var output = [Float](repeating: 0, count: count)
        var f0 = random.nextUniform(110, 240)
        var ratePerSecond = random.nextUniform(0.2, 0.6) * (random.nextUniform() < 0.5 ? -1 : 1)
        var nextTurn = Int(random.nextUniform(0.2, 0.6) * rate)
        var phases = [Double](repeating: 0, count: 20)
        for h in 0..<20 { phases[h] = random.nextUniform(0, 2 * Double.pi) }
        var amplitudes = [Double](repeating: 0, count: 20)
        let vowels: [[Double]] = [[730, 1090, 2440], [270, 2290, 3010], [300, 870, 2240], [530, 1840, 2480], [570, 840, 2410], [660, 1720, 2410]]
        var formants = vowels[0]
        var nextVowel = 0
        var syllablePhase = 0.0, syllableRate = random.nextUniform(3, 6), depthDb = random.nextUniform(20, 30)
        var level = random.nextUniform(0.1, 0.4)
        let block = 20  // amplitudes and gain are updated every 2.5 ms
        phases.withUnsafeMutableBufferPointer { phases in
            amplitudes.withUnsafeMutableBufferPointer { amplitudes in
                output.withUnsafeMutableBufferPointer { output in
                    var n = 0
                    while n < count {
                        if n >= nextTurn {
                            ratePerSecond = random.nextUniform(0.2, 0.6) * (ratePerSecond > 0 ? -1 : 1)
                            nextTurn = n + Int(random.nextUniform(0.2, 0.6) * rate)
                        }
                        if n >= nextVowel {
                            formants = vowels[Int(random.nextBits() % UInt64(vowels.count))]
                            nextVowel = n + Int(random.nextUniform(0.15, 0.3) * rate)
                        }
                        for h in 0..<20 {
                            let hz = Double(h + 1) * f0
                            var amplitude = hz < 3800 ? 1 / Double(h + 1) : 0
                            if shape == 1 { amplitude /= Double(h + 1) }
                            if shape == 2 {
                                for (i, formant) in formants.enumerated() {
                                    let x = (hz - formant) / (60.0 + 40 * Double(i))
                                    amplitude *= 1 + 8 / (1 + x * x)
                                }
                            }
                            amplitudes[h] = amplitude * (shape == 2 ? 0.1 : 0.5)
                        }
                        var gain = level
                        if syllabic {
                            syllablePhase += syllableRate * Double(block) / rate
                            if syllablePhase >= 1 {
                                syllablePhase -= 1
                                syllableRate = random.nextUniform(3, 6)
                                depthDb = random.nextUniform(20, 30)
                                level = random.nextUniform(0.1, 0.4)
                                if random.nextUniform() < 0.2 { level = 0 }  // a pause
                            }
                            let envelope = 0.5 - 0.5 * cos(2 * Double.pi * syllablePhase)
                            gain *= pow(10, -depthDb * (1 - envelope) / 20)
                        }
                        for m in n..<min(n + block, count) {
                            f0 *= 1 + ratePerSecond / rate
                            if f0 > 250 { f0 = 250; ratePerSecond = -abs(ratePerSecond) }
                            if f0 < 100 { f0 = 100; ratePerSecond = abs(ratePerSecond) }
                            let step = 2 * Double.pi * f0 / rate
                            var value = 0.0
                            for h in 0..<20 {
                                phases[h] += Double(h + 1) * step
                                value += amplitudes[h] * sin(phases[h])
                            }
                            output[m] = Float(value * gain)
                        }
                        n += block
                    }
                }
            }
        }
        return output
    }

    /// G.711 μ-law: encode to 8 bits and decode back (the live server's own codec).
    static func muLaw(_ samples: [Float]) -> [Float] {
        samples.map { G711.muLawToFloat[Int(G711.encodeMuLaw($0))] }
    }

    // MARK: - Framing, as the engine does

    /// The engine's frame: Hann (periodic, 256) window, zero-padded 512-point FFT, |X|² scaled to
    /// mean-square units (2 / (512 · Σw²)); band power from 250 Hz (bin 16) up to 3.5 kHz (bin 224).
    struct Framer {
        static let windowSamples = 256, fftSize = 512, hop = 80, lead = 88
        let window: [Double]
        let scale: Double
        let cosTable: [Double], sinTable: [Double]
        let reversed: [Int]

        init() {
            let n = Self.windowSamples
            window = (0..<n).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(n)) }
            scale = 2 / (Double(Self.fftSize) * window.reduce(0) { $0 + $1 * $1 })
            cosTable = (0..<(Self.fftSize / 2)).map { cos(2 * Double.pi * Double($0) / Double(Self.fftSize)) }
            sinTable = (0..<(Self.fftSize / 2)).map { -sin(2 * Double.pi * Double($0) / Double(Self.fftSize)) }
            var reversed = [Int](repeating: 0, count: Self.fftSize)
            for i in 0..<Self.fftSize {
                var r = 0, v = i
                for _ in 0..<9 {
                    r = (r << 1) | (v & 1)
                    v >>= 1
                }
                reversed[i] = r
            }
            self.reversed = reversed
        }

        /// Power spectrum (257 bins) of a 256-sample window (radix-2 FFT, in place).
        func powerSpectrum(_ frame: [Float]) -> [Float] {
            let size = Self.fftSize
            var re = [Double](repeating: 0, count: size), im = [Double](repeating: 0, count: size)
            var power = [Float](repeating: 0, count: size / 2 + 1)
            re.withUnsafeMutableBufferPointer { re in
                im.withUnsafeMutableBufferPointer { im in
                    window.withUnsafeBufferPointer { window in
                        reversed.withUnsafeBufferPointer { reversed in
                            for i in 0..<Self.windowSamples { re[reversed[i]] = Double(frame[i]) * window[i] }
                        }
                    }
                    cosTable.withUnsafeBufferPointer { cosTable in
                        sinTable.withUnsafeBufferPointer { sinTable in
                            var length = 2
                            while length <= size {
                                let half = length / 2, stride = size / length
                                var start = 0
                                while start < size {
                                    for j in 0..<half {
                                        let wr = cosTable[j * stride], wi = sinTable[j * stride]
                                        let a = start + j, b = a + half
                                        let tr = re[b] * wr - im[b] * wi, ti = re[b] * wi + im[b] * wr
                                        re[b] = re[a] - tr
                                        im[b] = im[a] - ti
                                        re[a] += tr
                                        im[a] += ti
                                    }
                                    start += length
                                }
                                length *= 2
                            }
                        }
                    }
                    for k in 0...(size / 2) { power[k] = Float((re[k] * re[k] + im[k] * im[k]) * scale) }
                }
            }
            return power
        }
    }

    /// Feeds every frame of `samples` (zeros before the start and past the end), calling `each`
    /// after each push.
    static func feed(_ samples: [Float], into detector: inout ToneDetector, each: (ToneDetector) -> Void = { _ in }) {
        let framer = Framer()
        let frames = (samples.count + Framer.hop - 1) / Framer.hop
        var window = [Float](repeating: 0, count: Framer.windowSamples)
        for i in 0..<frames {
            let first = i * Framer.hop - Framer.lead
            for j in 0..<Framer.windowSamples {
                let n = first + j
                window[j] = n >= 0 && n < samples.count ? samples[n] : 0
            }
            let power = framer.powerSpectrum(window)
            let bandPower = power[16..<224].reduce(0, +)
            window.withUnsafeBufferPointer { w in
                power.withUnsafeBufferPointer { p in
                    detector.push(frame: i, window: FrameWindow(whole: w), powerSpectrum: p, bandPower: bandPower)
                }
            }
            each(detector)
        }
    }

    static func detect(_ samples: [Float], configuration: ToneConfiguration = ToneConfiguration()) -> [ToneRun] {
        var detector = ToneDetector(configuration: configuration)
        feed(samples, into: &detector)
        detector.finish()
        return detector.runs
    }
}
