import AttuneScoring

/// Turns behaviour comparisons into plain statements, and refuses to state a difference that too
/// few calls back: each of the easy and hard groups needs `minimumCallsPerGroup` calls.
struct FeedbackFindings {
    let configuration: FeedbackConfiguration

    /// Differences smaller than this many team standard deviations are not called differences.
    static let smallestDifference = 0.2

    /// The behaviours that differ most between hard and easy calls, in plain words (the advisor's
    /// own wording when `own`), or one statement saying why there is none.
    func state(_ behaviours: [BehaviourComparison], easyCalls: Int, hardCalls: Int, own: Bool) -> [Finding] {
        let minimum = configuration.minimumCallsPerGroup
        guard easyCalls >= minimum && hardCalls >= minimum else {
            return [Finding(
                behaviour: nil,
                text: "Too few calls to say: \(hardCalls) hard-rated and \(easyCalls) easy-rated call(s) with a survey; each needs at least \(minimum) before a difference is claimed.",
                calls: easyCalls + hardCalls)]
        }
        let ranked = behaviours
            .filter { ($0.standardisedDifference?.magnitude ?? 0) >= Self.smallestDifference }
            .sorted { ($0.standardisedDifference!.magnitude, $1.behaviour) > ($1.standardisedDifference!.magnitude, $0.behaviour) }
            .prefix(configuration.findingsPerReport)
        guard !ranked.isEmpty else {
            return [Finding(
                behaviour: nil,
                text: "No behaviour differs noticeably between \(own ? "your" : "the team's") \(hardCalls) hard-rated and \(easyCalls) easy-rated calls.",
                calls: easyCalls + hardCalls)]
        }
        return ranked.map { comparison in
            let behaviour = Behaviour.all.first { $0.key == comparison.behaviour }!
            let hard = behaviour.display(comparison.hardMean!), easy = behaviour.display(comparison.easyMean!)
            let counts = "(\(comparison.hardCalls) and \(comparison.easyCalls) calls)"
            let text = own
                ? "On your hardest-rated calls, \(behaviour.ownLabel) averaged \(hard) versus \(easy) on your easiest \(counts)."
                : "Across the team, \(behaviour.label) averaged \(hard) on hard-rated calls versus \(easy) on easy-rated ones \(counts)."
            return Finding(behaviour: behaviour.key, text: text, calls: comparison.hardCalls + comparison.easyCalls)
        }
    }
}

/// Number formatting shared by the findings, the pages and the CSV.
public enum FeedbackText {
    public static func number(_ value: Double, places: Int = 1) -> String { DecimalText.fixed(value, places: places) }

    public static func optional(_ value: Double?, places: Int = 2) -> String { value.map { number($0, places: places) } ?? "" }

    /// Two decimals for a page (a correlation, points), or `missing` for nil.
    public static func two(_ value: Double?, missing: String = "–") -> String { value.map { number($0, places: 2) } ?? missing }
}
