import AttuneCalibration
import AttuneDSP
public import AttunePipeline
public import AttuneScoring
public import AttuneStore
import Foundation

/// A centre's night of calls and its customers' answers, made for calibration tests and
/// benchmarks: each call is an analysed fixture call (a template: every metric, segment and score
/// the engine gave it) with its behaviours re-drawn (dead air, holds, interruptions, overtalk,
/// raised voice, longest turn, response gap), rescored by the scoring model; its customer answers
/// from a known formula (a `ScoreDefinition` on the effort index) plus noise, rounded to the scale.
///
/// Advisors differ in their habits (each has a dead-air and an interruption tendency), so folds
/// by advisor matter. Seeded: the same arguments give the same calls and answers.
public struct SurveyedStoreGenerator: Sendable {
    /// Analysed fixture calls to start from.
    public var templates: [CallReport]
    /// The model that scores the calls (its predictions are what the store holds).
    public var scoringModel: LoadedModel
    /// How the centre's customers answer: effort index = this score of the call's metrics.
    public var customers: ScoreDefinition
    /// The customers' noise, in effort-index units (0.1 on 1–7 is 0.6 points).
    public var noiseIndex: Double
    public var advisors: Int
    public var advisorsPerTeam: Int
    /// Share of calls with a survey answer (0–1).
    public var surveyedShare: Double
    public var seed: UInt64

    public init(
        templates: [CallReport], scoringModel: LoadedModel, customers: ScoreDefinition, noiseIndex: Double = 0.1, advisors: Int = 40,
        advisorsPerTeam: Int = 10, surveyedShare: Double = 1, seed: UInt64 = 13
    ) {
        self.templates = templates
        self.scoringModel = scoringModel
        self.customers = customers
        self.noiseIndex = noiseIndex
        self.advisors = advisors
        self.advisorsPerTeam = advisorsPerTeam
        self.surveyedShare = surveyedShare
        self.seed = seed
    }

    /// Customers unlike `model`'s effort score: its inputs and transforms with other weights,
    /// among them two the shipped default ignores (overtalk, the advisor's own interruptions):
    /// index = 0.05 + 0.22 dead air (or `deadAir`) + 0.2 hold + 0.2 advisor interruptions + 0.05
    /// interruptions + 0.25 overtalk + 0.1 raised voice.
    public static func customersUnlike(_ model: RuleModel, deadAir: Double = 0.22) -> ScoreDefinition {
        var score = model.effort
        let weights = ["deadAir": deadAir, "hold": 0.2, "advisorInterruptions": 0.2, "interruptions": 0.05, "overtalk": 0.25, "raisedVoice": 0.1]
        for index in score.inputs.indices { score.inputs[index].weight = weights[score.inputs[index].name] ?? 0 }
        score.bias = 0.05
        score.maxContributionShare = nil
        return score
    }

    /// One generated call: what to store, its answer (if surveyed) and the formula's own index.
    public struct Generated: Sendable {
        public var call: AnalyzedCall
        public var survey: SurveyResponse?
        /// The customers' formula before noise (0–1).
        public var formulaIndex: Double
        /// The answer's effort index (0–1), when surveyed.
        public var answerIndex: Double?
    }

    /// `count` calls over 1 + count / (advisors × 8) days from 2026-09-07 (a Monday), eight per
    /// advisor per day.
    public func generate(count: Int) -> [Generated] {
        var random = SeededGenerator(seed: seed)
        let habits = (0..<advisors).map { _ in (deadAir: 0.5 + random.unit() * 1.5, interrupts: random.unit() * 2) }
        let scorer = Scorer(model: scoringModel.model)
        let answerer = Scorer(model: RuleModel(
            id: "customers", version: "1", scale: scoringModel.model.scale, effort: customers, distress: scoringModel.model.distress,
            distressLevels: scoringModel.model.distressLevels))
        let scale = scoringModel.model.scale
        var out: [Generated] = []
        out.reserveCapacity(count)
        for n in 0..<count {
            let advisor = n % advisors
            let k = n / advisors
            let habit = habits[advisor]
            var report = templates[n % templates.count]
            let duration = report.durationSeconds
            // Behaviours: dead air and interruptions lean on the advisor's habit; holds are rare.
            let deadAir = min(random.exponential(mean: 8 * habit.deadAir), duration * 0.4)
            let hold = random.unit() < 0.15 ? random.exponential(mean: 120) : 0
            let interruptionsMade = Double(random.poisson(mean: 0.8 * habit.interrupts))
            let customerInterruptions = Double(random.poisson(mean: 0.6))
            set("call.deadAirSeconds", deadAir, &report)
            set("call.holdSeconds", hold, &report)
            set("call.holdCount", hold > 0 ? 1 : 0, &report)
            set("advisor.interruptionsMade", interruptionsMade, &report)
            set("customer.interruptionsMade", customerInterruptions, &report)
            set("call.interruptionCount", interruptionsMade + customerInterruptions, &report)
            set("call.overtalkShare", min(random.exponential(mean: 0.03), 0.3), &report)
            set("customer.energySpikesPerMinute", random.unit() < 0.2 ? random.exponential(mean: 1.5) : 0, &report)
            set("customer.longestTurnSeconds", 3 + random.exponential(mean: 6), &report)
            set("advisor.responseGapMeanSeconds", 0.4 + random.exponential(mean: 0.6), &report)
            var metrics = CallScoring.metrics(of: report)
            if let distress = report.scores?.distress.value { metrics["scores.distress"] = distress }
            report.scores?.effort = scorer.effort(metrics)
            report.model = CallReport.ModelReference(id: scoringModel.model.id, version: scoringModel.model.version, sha256: scoringModel.sha256)

            let callId = "gen-\(n)"
            let day = k / 8
            let startedAt = Self.time(day: day, hour: 8 + k % 8, minute: advisor % 60)
            let formulaIndex = answerer.effort(metrics).index
            var survey: SurveyResponse? = nil
            var answerIndex: Double? = nil
            if random.unit() < surveyedShare {
                let noisy = min(max(formulaIndex + random.normal() * noiseIndex, 0), 1)
                let answer = scale.value(forEffortIndex: noisy).rounded()
                answerIndex = scale.effortIndex(of: answer)
                survey = SurveyResponse(
                    callId: callId, respondedAt: Self.time(day: day, hour: 20, minute: advisor % 60), score: answer, scale: scale, fileScore: answer,
                    comment: nil, channel: "sms", line: n + 2)
            }
            let identity = ResultIdentity(contentSha256: "generated-\(seed)-\(n)", engineVersion: "generated", configurationFingerprint: "generated", modelSha256: scoringModel.sha256)
            let metadata = CallMetadata(
                callId: callId, sourcePath: "generated/\(callId).wav", agentId: "A\(advisor)", team: "T\(advisor / advisorsPerTeam)", startedAt: startedAt)
            out.append(Generated(call: AnalyzedCall(report: report, identity: identity, metadata: metadata), survey: survey, formulaIndex: formulaIndex, answerIndex: answerIndex))
        }
        return out
    }

    /// Sets a metric by its model name (`call.deadAirSeconds`, `advisor.interruptionsMade`).
    private func set(_ name: String, _ value: Double, _ report: inout CallReport) {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        if parts[0] == "call" {
            CallMetrics.fields.first { $0.name == parts[1] }?.set(value, in: &report.metrics)
        } else if let party = Party(rawValue: parts[0]), var metrics = report.metrics[party] {
            PartyMetrics.fields.first { $0.name == parts[1] }?.set(value, in: &metrics)
            report.metrics[party] = metrics
        }
    }

    /// `2026-09-07` (a Monday) plus `day` days, at `hour`:`minute` UTC (ISO 8601).
    static func time(day: Int, hour: Int, minute: Int) -> String {
        let seconds = 1_788_739_200 + day * 86_400 + hour * 3_600 + minute * 60  // 2026-09-07T00:00:00Z
        return Date(timeIntervalSince1970: Double(seconds)).formatted(Date.ISO8601FormatStyle())
    }
}

/// The draws the generator needs, on the calibration's reproducible generator.
extension SeededGenerator {
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func exponential(mean: Double) -> Double { -mean * log(1 - unit()) }
    /// Standard normal (Box–Muller).
    mutating func normal() -> Double { (-2 * log(1 - unit())).squareRoot() * cos(2 * Double.pi * unit()) }
    mutating func poisson(mean: Double) -> Int {
        let limit = exp(-mean)
        var product = unit(), count = 0
        while product > limit { product *= unit(); count += 1 }
        return count
    }
}
