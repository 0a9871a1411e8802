import AttuneDSP
import AttunePipeline
import AttuneScoring
import FoundationEssentials
import GRDB

/// Output formats of `attune export`.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// One row per call: metadata, scores (with their three largest contributions), call metrics,
    /// then each party's metrics (`advisor.talkSeconds`, …).
    case csv
    /// One JSON object per line: `{"call": {metadata}, "report": {attune.call/1 report}}`.
    case jsonl
}

extension AttuneDatabase {
    /// The CSV header: metadata columns, scores, call metrics, then every party's metrics.
    public static var csvColumns: [String] {
        let metadata = ["callId", "agentId", "team", "startedAt", "analyzedAt", "durationSeconds", "sampleRateHz", "channelLayout",
                        "sourcePath", "contentSha256", "engineVersion", "configurationFingerprint", "modelSha256"]
        let partyColumns = [Party.advisor, .customer, .mixed].flatMap { party in PartyMetrics.fields.map { "\(party.rawValue).\($0.name)" } }
        return metadata + scoreColumns + CallMetrics.fields.map(\.name) + partyColumns
    }

    /// Score columns: the model; `effort` on its scale and `effortLevel` in words (`low`,
    /// `moderate`, `high`: the thirds of the effort index); the scale and the index (0–1);
    /// `effortWhy`, the three largest effort reasons in the scale's direction, as the change each
    /// makes to `effort` ("dead air 41 s: −0.8 (harder); …" on CES 2.0, where effort lowers the
    /// answer); `distress` (0–1) and its level, and `distressWhy`, its three largest
    /// contributions in distress points ("raised voice 24.9 per min: +0.2; …").
    static let scoreColumns = [
        "modelId", "modelVersion", "effort", "effortLevel", "effortScaleMin", "effortScaleMax", "effortHigherIsEasier", "effortIndex",
        "effortWhy", "distress", "distressLevel", "distressWhy",
    ]

    /// Writes every stored call (taking place or analysed on or after `since`, if given), oldest
    /// first, as `format`, one line at a time to `write`. Returns the number of calls written.
    /// - Parameter since: ISO 8601 UTC; calls are dated by `startedAt` (from the manifest), else
    ///   by when they were analysed.
    public func export(format: ExportFormat, since: String?, write: @escaping @Sendable (String) -> Void) async throws(StorageError) -> Int {
        try await StorageError.wrapping("exporting from the results store") {
            try await writer.read { db in
                if format == .csv { write(Self.csvColumns.joined(separator: ",") + "\n") }
                var request = CallRecord.order(sql: "COALESCE(startedAt, analyzedAt), id")
                if let since { request = request.filter(sql: "COALESCE(startedAt, analyzedAt) >= ?", arguments: [since]) }
                let cursor = try request.fetchCursor(db)
                var count = 0
                while let call = try cursor.next() {
                    let report = try CallReport(jsonData: Data(call.report.utf8))
                    write(format == .csv ? Self.csvLine(call, report) : try Self.jsonLine(call, report))
                    count += 1
                }
                return count
            }
        }
    }

    private static func csvLine(_ call: CallRecord, _ report: CallReport) -> String {
        var fields: [String] = [
            call.callId, call.agentId ?? "", call.team ?? "", call.startedAt ?? "", call.analyzedAt, number(call.durationSeconds),
            String(call.sampleRateHz), call.channelLayout, call.sourcePath, call.contentSha256, call.engineVersion,
            call.configurationFingerprint, call.modelSha256 ?? "",
        ]
        fields += scoreFields(report)
        fields += CallMetrics.fields.map { $0.value(in: report.metrics).map(number) ?? "" }
        for party in [Party.advisor, .customer, .mixed] {
            let metrics = report.metrics[party]
            fields += PartyMetrics.fields.map { field in metrics.flatMap { field.value(in: $0) }.map(number) ?? "" }
        }
        return fields.map(csvEscaped).joined(separator: ",") + "\n"
    }

    private static func scoreFields(_ report: CallReport) -> [String] {
        guard let scores = report.scores, let model = report.model else { return scoreColumns.map { _ in "" } }
        func why(_ contributions: [Contribution], _ text: (Contribution) -> String) -> String {
            contributions.filter(\.isNoticeable).prefix(3).map(text).joined(separator: "; ")
        }
        let effort = scores.effort, distress = scores.distress
        return [
            model.id, model.version, number(effort.value), effort.level.rawValue, number(effort.scale.min), number(effort.scale.max),
            effort.scale.higherIsEasier ? "true" : "false", number(effort.index), why(effort.contributions) { $0.effortText(on: effort.scale) },
            distress.value.map(number) ?? "", distress.level?.rawValue ?? "", why(distress.contributions, \.text),
        ]
    }

    private struct JSONLine: Encodable {
        struct Call: Encodable {
            var callId: String
            var agentId: String?
            var team: String?
            var startedAt: String?
            var analyzedAt: String
            var sourcePath: String
            var contentSha256: String
            var modelSha256: String?
        }
        var call: Call
        var report: CallReport
    }

    private static func jsonLine(_ call: CallRecord, _ report: CallReport) throws -> String {
        let line = JSONLine(
            call: .init(callId: call.callId, agentId: call.agentId, team: call.team, startedAt: call.startedAt, analyzedAt: call.analyzedAt,
                        sourcePath: call.sourcePath, contentSha256: call.contentSha256, modelSha256: call.modelSha256),
            report: report)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(line), as: UTF8.self) + "\n"
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// RFC 4180: quote fields holding a comma, quote or line break; double inner quotes.
    public static func csvEscaped(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacing("\"", with: "\"\"") + "\""
    }
}
