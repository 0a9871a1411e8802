import AttuneDSP
import AttunePipeline
import AttuneScoring
import FoundationEssentials

/// Output formats of `attune export`.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// One row per call: metadata, scores (with their three largest contributions), call metrics,
    /// then each party's metrics (`advisor.talkSeconds`, …).
    case csv
    /// One JSON object per line: `{"call": {metadata}, "report": {attune.call/1 report}}`.
    case jsonl
}

extension ResultsStore {
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
    /// Calls are read a page at a time (`exportPageSize`, by key), so memory stays flat however
    /// many calls the store holds.
    /// - Parameter since: ISO 8601 UTC; calls are dated by `startedAt` (from the manifest), else
    ///   by when they were analysed.
    public func export(format: ExportFormat, since: String?, write: @escaping @Sendable (String) -> Void) async throws(StorageError) -> Int {
        if format == .csv { write(Self.csvColumns.joined(separator: ",") + "\n") }
        var count = 0
        var after: (time: String, id: Int64)? = nil
        while true {
            let page = try await read("exporting from the results store") { [after] session in
                try session.rows(SQLStatement("""
                    SELECT id, COALESCE(startedAt, analyzedAt) AS callTime, \(CallRecord.columns.joined(separator: ", ")) FROM calls
                    WHERE (:since IS NULL OR COALESCE(startedAt, analyzedAt) >= :since)
                      AND (:afterTime IS NULL OR COALESCE(startedAt, analyzedAt) > :afterTime
                           OR (COALESCE(startedAt, analyzedAt) = :afterTime AND id > :afterId))
                    ORDER BY COALESCE(startedAt, analyzedAt), id LIMIT :limit
                    """, [
                        "since": since.sqlValue, "afterTime": after.map { .text($0.time) } ?? .null, "afterId": after.map { .integer($0.id) } ?? .null,
                        "limit": .integer(Int64(Self.exportPageSize)),
                    ]))
            }
            for row in page {
                let call = CallRecord(row: row)
                let report: CallReport
                do { report = try CallReport(jsonData: Data(call.report.utf8)) } catch {
                    throw StorageError(operation: "exporting \(call.callId)", message: "its stored report does not decode: \(error)")
                }
                do { write(format == .csv ? Self.csvLine(call, report) : try Self.jsonLine(call, report)) } catch {
                    throw StorageError(operation: "exporting \(call.callId)", message: "\(error)")
                }
                count += 1
            }
            guard page.count == Self.exportPageSize, let last = page.last else { return count }
            after = (last["callTime"], last["id"])
        }
    }

    /// Calls read per page by `export`.
    static let exportPageSize = 500

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
