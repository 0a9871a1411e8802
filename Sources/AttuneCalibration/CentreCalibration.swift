import AttuneBatch
import Foundation
public import AttuneScoring
public import AttuneStore

/// Why a calibration on a centre's own data was refused (too few surveys, mixed scales, …).
public struct CalibrationRefusal: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}

/// What a cross-validation fold keeps together, so one group's calls never sit on both sides.
public enum FoldGrouping: String, Sendable, CaseIterable {
    /// An advisor's calls stay in one fold: the figures say how the model does for advisors it
    /// has not seen.
    case advisor
    /// A week's calls stay in one fold: how it does on weeks it has not seen.
    case week
}

/// Surveys on another scale than the model's.
public enum ScalePolicy: Sendable {
    /// Stop and say so.
    case refuse
    /// Map each answer through its effort index onto the model's scale (linear: the easiest
    /// answer to the easiest, the hardest to the hardest).
    case convert
}

/// One line of a quality team's labels file.
public struct CalibrationLabel: Sendable, Equatable {
    public var callId: String
    /// The effort answer the team gave the call, on the labels' scale.
    public var ces: Double?
    /// True: the customer was distressed.
    public var distressed: Bool?
    public var note: String?
    /// 1-based line of the file.
    public var line: Int
}

extension CalibrationDataset {
    /// The fewest paired calls `attune calibrate --fit` fits on by default: with five folds each
    /// fit then sees at least 160, about ten per weight of a ten-input model.
    public static let minimumSurveysToFit = 200

    /// Why an effort fit on this dataset would not be worth having, if so: fewer than `minimum`
    /// answered calls, or fewer advisors (weeks) than folds.
    public func refusalToFit(minimum: Int, folds: Int, grouping: FoldGrouping) -> CalibrationRefusal? {
        let answered = examples.filter { $0.ces != nil }
        let groups = Set(answered.map(\.group)).count
        guard answered.count < minimum || groups < folds else { return nil }
        let unit = grouping == .advisor ? "advisor" : "week"
        return CalibrationRefusal(
            "will not fit: \(answered.count) paired call(s) from \(groups) \(unit)(s); a fit needs at least \(minimum) (--min-surveys) "
                + "from at least \(folds) \(unit)s (--folds), or its held-out figures would follow a few answers. Collect more surveys or widen --since/--until/--team.")
    }

    /// A centre's surveyed calls as a dataset: each call's metrics as stored, its latest answer,
    /// grouped for folds by `grouping`.
    public static func surveyed(
        _ calls: [SurveyedCall], name: String, model: RuleModel, grouping: FoldGrouping, scales: ScalePolicy
    ) throws(CalibrationRefusal) -> CalibrationDataset {
        let foreign = calls.filter { $0.scale != model.scale }
        if !foreign.isEmpty && scales == .refuse {
            let scale = foreign[0].scale
            throw CalibrationRefusal(
                "\(foreign.count) of \(calls.count) survey(s) were answered on \(describe(scale)) but model \(model.id) \(model.version) is on \(describe(model.scale)): "
                    + "pass --convert-scale to compare through the effort index (the easiest answer to the easiest, the hardest to the hardest), or import the surveys on the model's scale")
        }
        let examples = calls.map { surveyed in
            let call = surveyed.call
            let answer = surveyed.scale == model.scale
                ? surveyed.answer : model.scale.value(forEffortIndex: surveyed.scale.effortIndex(of: surveyed.answer))
            return CalibrationExample(
                id: call.callId, group: group(call.agentId ?? call.callId, week: surveyed.week, grouping), speakerGroup: nil,
                metrics: call.metrics, distressMetrics: call.distressMetrics.isEmpty ? nil : call.distressMetrics, ces: answer,
                cesScale: model.scale, distressed: nil, distressLevel: nil, category: nil, week: surveyed.week, respondedAt: surveyed.respondedAt)
        }
        return CalibrationDataset(name: name, examples: examples, skipped: [])
    }

    /// A quality team's labelled calls as a dataset: each label against the call's stored
    /// metrics. Labels whose call is not stored are skipped, each named.
    public static func labelled(
        _ labels: [CalibrationLabel], stored: [String: StoredCallMetrics], name: String, scale: SurveyScale, model: RuleModel, grouping: FoldGrouping
    ) -> CalibrationDataset {
        var examples: [CalibrationExample] = []
        var skipped: [String] = []
        for label in labels {
            guard let call = stored[label.callId] else {
                skipped.append("line \(label.line): call \(label.callId) is not in the store")
                continue
            }
            let ces = label.ces.map { scale == model.scale ? $0 : model.scale.value(forEffortIndex: scale.effortIndex(of: $0)) }
            let week = call.startedAt.map { String($0.prefix(10)) }.flatMap(Self.monday(of:))
            examples.append(CalibrationExample(
                id: call.callId, group: group(call.agentId ?? call.callId, week: week ?? "", grouping), speakerGroup: nil,
                metrics: call.metrics, distressMetrics: call.distressMetrics.isEmpty ? nil : call.distressMetrics, ces: ces,
                cesScale: ces == nil ? nil : model.scale, distressed: label.distressed,
                distressLevel: nil, category: label.distressed.map { $0 ? "distressed" : "none" }, week: week, respondedAt: nil))
        }
        return CalibrationDataset(name: name, examples: examples, skipped: skipped)
    }

    /// Parses a labels file: a header naming `callId` and at least one of `ces` and `distress`
    /// (0 or 1), optionally `note`; one call per line.
    public static func labels(csv text: String, file: String, scale: SurveyScale) throws(CalibrationRefusal) -> [CalibrationLabel] {
        var rows = CSVReader.rows(text)
        guard !rows.isEmpty else { throw CalibrationRefusal("\(file): empty (expected a header: callId,ces,distress,note)") }
        let header = rows.removeFirst().fields.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let idColumn = header.firstIndex(of: "callId") else { throw CalibrationRefusal("\(file): no callId column (header: \(header.joined(separator: ",")))") }
        let cesColumn = header.firstIndex(of: "ces"), distressColumn = header.firstIndex(of: "distress"), noteColumn = header.firstIndex(of: "note")
        guard cesColumn != nil || distressColumn != nil else { throw CalibrationRefusal("\(file): needs a ces or a distress column") }
        var labels: [CalibrationLabel] = []
        for row in rows {
            func field(_ column: Int?) -> String? {
                guard let column, column < row.fields.count else { return nil }
                let value = row.fields[column].trimmingCharacters(in: .whitespaces)
                return value.isEmpty ? nil : value
            }
            guard let callId = field(idColumn) else { throw CalibrationRefusal("\(file):\(row.line): no callId") }
            var ces: Double? = nil
            if let text = field(cesColumn) {
                guard let value = Double(text), value >= scale.min, value <= scale.max else {
                    throw CalibrationRefusal("\(file):\(row.line): ces \"\(text)\" is not an answer on \(describe(scale))")
                }
                ces = value
            }
            var distressed: Bool? = nil
            if let text = field(distressColumn) {
                guard text == "0" || text == "1" else { throw CalibrationRefusal("\(file):\(row.line): distress \"\(text)\" is not 0 or 1") }
                distressed = text == "1"
            }
            labels.append(CalibrationLabel(callId: callId, ces: ces, distressed: distressed, note: field(noteColumn), line: row.line))
        }
        return labels
    }

    private static func group(_ advisor: String, week: String, _ grouping: FoldGrouping) -> String {
        grouping == .advisor ? advisor : week
    }

    /// "1–7 (higher = easier)"
    static func describe(_ scale: SurveyScale) -> String {
        "\(CalibrationText.number(scale.min, places: 0))–\(CalibrationText.number(scale.max, places: 0)) (\(scale.higherIsEasier ? "higher = easier" : "higher = more effort"))"
    }

    /// The Monday of a `YYYY-MM-DD` date's week (as the store's `date(t, '-6 days', 'weekday 1')`), or nil if it is not one.
    static func monday(of date: String) -> String? {
        guard let day = Timestamp.parse(String(date.prefix(10))) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let daysSinceMonday = (calendar.component(.weekday, from: day) + 5) % 7  // weekday 1 = Sunday
        guard let monday = calendar.date(byAdding: .day, value: -daysSinceMonday, to: day) else { return nil }
        return String(monday.formatted(Date.ISO8601FormatStyle()).prefix(10))
    }
}
