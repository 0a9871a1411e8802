import AttuneDSP
import AttunePipeline
import AttuneScoring

/// The readable form of a report: headline, per-party table, compact timeline and event list.
struct ReportSummary {
    let report: CallReport
    let configuration: AnalysisConfiguration
    /// Columns of the timeline strip.
    var timelineWidth = 72

    var text: String {
        var lines: [String] = []
        lines.append("Call \(report.callId): \(seconds(report.durationSeconds)), \(report.channelLayout), \(report.sampleRateHz) Hz")
        lines.append("")
        lines += partyTable
        lines.append("")
        lines += callLines
        if let scores = report.scores {
            lines.append("")
            lines += scoreLines(scores)
        }
        lines.append("")
        lines += timeline
        let events = report.events
        if !events.isEmpty {
            lines.append("")
            lines.append("Events")
            let shown = events.prefix(60)
            for event in shown { lines.append("  " + describe(event)) }
            if events.count > shown.count { lines.append("  … and \(events.count - shown.count) more (see --json)") }
        }
        return lines.joined(separator: "\n")
    }

    // MARK: - Parts

    private var partyTable: [String] {
        let parties = report.parties
        let rows: [(String, (PartyMetrics) -> String)] = [
            ("talk", { seconds($0.talkSeconds) + percent($0.talkShare, inParentheses: true) }),
            ("turns", { count($0.turnCount) + ($0.longestTurnSeconds.map { ", longest " + seconds($0) } ?? "") }),
            ("response gap", { $0.responseGapMedianSeconds.map { "median " + seconds($0) } ?? "–" }),
            ("interruptions made", { count($0.interruptionsMade) }),
            ("backchannels", { count($0.backchannels) }),
            ("raised voice", { count($0.energySpikes) }),
            ("speech level", { $0.levelMedianDBFS.map { oneDecimal($0) + " dBFS" } ?? "–" }),
            ("pitch", { m in m.pitchMedianHz.map { "\(Int($0.rounded())) Hz" + (m.pitchRangeSemitones.map { ", range " + oneDecimal($0) + " st" } ?? "") } ?? "–" }),
            ("pace", { $0.paceSyllablesPerSecond.map { oneDecimal($0) + " syll/s" } ?? "–" }),
        ]
        let columnWidth = 26
        var lines = [pad("", 20) + parties.map { pad($0.rawValue, columnWidth) }.joined()]
        for (label, value) in rows {
            let cells = parties.map { party in report.metrics[party].map(value) ?? "–" }
            lines.append(pad(label, 20) + cells.map { pad($0, columnWidth) }.joined())
        }
        return lines
    }

    private var callLines: [String] {
        let m = report.metrics
        var lines: [String] = []
        if let silence = m.silenceSeconds {
            lines.append("Silence \(seconds(silence))\(percent(m.silenceShare, inParentheses: true)); dead air (≥ \(seconds(configuration.turns.deadAirMinimumSeconds))) \(seconds(m.deadAirSeconds)) in \(count(m.deadAirCount)) run(s)")
        } else {
            lines.append("Silence and dead air: unknown (only one party is heard)")
        }
        if let holds = m.holdCount, holds > 0 {
            let kinds = Set(report.events(.hold).compactMap(\.holdKind)).sorted().joined(separator: ", ")
            lines.append("On hold \(seconds(m.holdSeconds)) in \(count(holds)) hold(s) (\(kinds)); longest \(seconds(m.longestHoldSeconds))")
        }
        if let digits = m.dtmfDigitCount, digits > 0 {
            let shown = report.events(.dtmf).compactMap(\.digit).joined()
            lines.append("Keypad \(count(digits)) key(s) pressed" + (shown.isEmpty ? " (values masked: tones.revealDtmfDigits)" : ": \(shown)"))
        }
        if let tones = m.toneSeconds, tones > 0 {
            lines.append("Call-progress tones \(seconds(tones)) in \(report.events(.tone).count) burst(s)")
        }
        if let overtalk = m.overtalkSeconds {
            lines.append("Overtalk \(seconds(overtalk))\(percent(m.overtalkShare, inParentheses: true)) in \(count(m.overtalkCount)) event(s); \(count(m.interruptionCount)) interruption(s), \(count(m.backchannelCount)) backchannel(s)")
        } else {
            lines.append("Overtalk: unknown (needs each party on its own channel)")
        }
        return lines
    }

    /// Effort and distress, each with what drove it (inputs that added nothing are left out;
    /// `--json` lists them all).
    private func scoreLines(_ scores: CallScores) -> [String] {
        let effort = scores.effort
        // Said in words first, then as the number on the survey's own scale; each reason moves
        // that number the way the reader sees it (on CES 2.0, effort pulls it down: −).
        var lines = ["Likely customer effort: \(effort.level.rawValue) (\(effort.valueOnScaleText)); model \(report.model.map { "\($0.id) \($0.version)" } ?? "?")"]
        let shown = effort.contributions.filter(\.isNoticeable)
        if shown.isEmpty { lines.append("  (no input added effort)") }
        for contribution in shown { lines.append("  " + contribution.effortText(on: effort.scale)) }
        let distress = scores.distress
        if let value = distress.value, let level = distress.level {
            let at = distress.peakAtSeconds.map { " at \(clock($0))" } ?? ""
            lines.append("Customer distress \(twoDecimals(value)) (\(level.rawValue)), peak of the last-\(plain(configuration.distressCues.windowSeconds)) s value\(at), against the customer's own first \(oneDecimal(distress.baselineSpeechSeconds)) s of speech")
            lines += contributionLines(distress.contributions, unitWord: "distress points")
        } else {
            lines.append("Customer distress: unknown (\(distress.note ?? "no value"))")
        }
        return lines
    }

    private func contributionLines(_ contributions: [Contribution], unitWord: String) -> [String] {
        let shown = contributions.filter(\.isNoticeable)
        guard !shown.isEmpty else { return ["  (no input added \(unitWord))"] }
        return shown.map { "  " + $0.text }
    }

    /// One row per party ('█' mostly talking, '▄' some talk) and an event row, one column per slice.
    private var timeline: [String] {
        let duration = max(report.durationSeconds, 0.01)
        let columns = timelineWidth
        let slice = duration / Double(columns)
        var lines = ["Timeline (one column = \(oneDecimal(slice)) s; █ talking, ▄ some talk; events: I interruption, B backchannel, O overtalk, D dead air, ! raised voice, H hold, K keypad, T tone)"]
        for party in report.parties {
            var covered = [Double](repeating: 0, count: columns)
            for segment in report.segments(of: party) {
                var t = segment.startSeconds
                while t < segment.endSeconds {
                    let column = min(Int(t / slice), columns - 1)
                    let next = min(segment.endSeconds, Double(column + 1) * slice)
                    covered[column] += max(0, next - t)
                    if next <= t { break }
                    t = next
                }
            }
            let strip = covered.map { $0 >= slice / 2 ? "█" : ($0 > 0 ? "▄" : "·") }.joined()
            lines.append(pad(party.rawValue, 10) + strip)
        }
        var marks = [Character](repeating: " ", count: columns)
        var rank = [Int](repeating: 0, count: columns)
        for event in report.events {
            let (mark, level) = Self.timelineMark(event.type)
            let column = min(Int(event.startSeconds / slice), columns - 1)
            if level > rank[column] { marks[column] = mark; rank[column] = level }
        }
        lines.append(pad("events", 10) + String(marks))
        let axis = (0..<columns).map { column -> Character in column % 10 == 0 ? "|" : " " }
        lines.append(pad("", 10) + String(axis) + "  (| every \(seconds(slice * 10)))")
        return lines
    }

    /// Each event kind's mark on the timeline and its priority when two share a column (higher
    /// wins). A switch, so a new kind fails to compile here rather than at run time.
    static func timelineMark(_ kind: CallReport.Event.Kind) -> (mark: Character, priority: Int) {
        switch kind {
        case .overtalk: ("O", 1)
        case .backchannel: ("B", 2)
        case .deadAir: ("D", 3)
        case .energySpike: ("!", 4)
        case .interruption: ("I", 5)
        case .hold: ("H", 6)
        case .dtmf: ("K", 7)
        case .tone: ("T", 7)
        }
    }

    private func describe(_ event: CallReport.Event) -> String {
        let span = pad("\(clock(event.startSeconds))–\(clock(event.endSeconds))", 20)
        switch event.type {
        case .overtalk: return span + "overtalk (\(seconds(event.durationSeconds))), started by \(event.initiator?.rawValue ?? "?")"
        case .interruption: return span + "interruption by \(event.party?.rawValue ?? "?")"
        case .backchannel: return span + "backchannel by \(event.party?.rawValue ?? "?")"
        case .deadAir: return span + "dead air (\(seconds(event.durationSeconds)))"
        case .energySpike: return span + "raised voice, \(event.party?.rawValue ?? "?") (+\(oneDecimal(event.peakDbAboveBaseline ?? 0)) dB above own baseline)"
        case .dtmf: return span + "keypad key \(event.digit ?? "(masked)") by \(event.party?.rawValue ?? "?")"
        case .tone: return span + "call-progress tone \((event.frequenciesHz ?? []).map { String(Int($0)) }.joined(separator: "+")) Hz on the \(event.party?.rawValue ?? "?") line"
        case .hold: return span + "hold (\(seconds(event.durationSeconds)), \(event.holdKind ?? "?"))" + (event.party.map { ", placed by \($0.rawValue)" } ?? "")
        }
    }
}

// MARK: - Formatting

private func oneDecimal(_ value: Double) -> String {
    let tenths = (value * 10).rounded()
    let sign = tenths < 0 ? "-" : ""
    let magnitude = Int(abs(tenths))
    return "\(sign)\(magnitude / 10).\(magnitude % 10)"
}

private func twoDecimals(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    return "\(hundredths / 100)." + (hundredths % 100 < 10 ? "0" : "") + "\(hundredths % 100)"
}

/// 7, 2.5
private func plain(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : oneDecimal(value) }

private func seconds(_ value: Double?) -> String { value.map { oneDecimal($0) + " s" } ?? "–" }

private func count(_ value: Double?) -> String { value.map { String(Int($0)) } ?? "–" }

private func percent(_ value: Double?, inParentheses: Bool) -> String {
    guard let value else { return "" }
    let text = "\(Int((value * 100).rounded())) %"
    return inParentheses ? " (\(text))" : text
}

/// m:ss.ss
private func clock(_ seconds: Double) -> String {
    let hundredths = Int((seconds * 100).rounded())
    let minutes = hundredths / 6000
    let rest = hundredths % 6000
    let whole = rest / 100, fraction = rest % 100
    return "\(minutes):" + (whole < 10 ? "0" : "") + "\(whole)." + (fraction < 10 ? "0" : "") + "\(fraction)"
}
