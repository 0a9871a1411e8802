import AttuneDSP
import FoundationEssentials

/// `attune analyze --frames FILE`: one row per party and 10 ms frame.
enum FrameTraceCSV {
    static func write(_ traces: [Party: [FrameTrace]], parties: [Party], to path: String) throws {
        var text = "party,seconds,levelDBFS,speechScoreDb,noiseFloorDBFS,isSpeech,pitchHz,voicing,centroidHz,tiltDb,nearFieldProbability,belowPeakDb,bandModulationDb,loudnessDb\n"
        for party in parties {
            for frame in traces[party] ?? [] {
                text += "\(party.rawValue),\(AnalysisGrid.seconds(frames: frame.frame)),\(fixed(frame.levelDBFS)),\(fixed(frame.speechScoreDb)),\(fixed(frame.noiseFloorDBFS)),\(frame.isSpeech ? 1 : 0),\(fixed(frame.pitchHz)),\(fixed(frame.voicing)),\(fixed(frame.centroidHz)),\(fixed(frame.tiltDb)),\(fixed(frame.nearFieldProbability)),\(fixed(frame.belowPeakDb)),\(fixed(frame.bandModulationDb)),\(fixed(frame.loudnessDb))\n"
            }
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    private static func fixed(_ value: Float) -> String {
        String(Double((value * 100).rounded()) / 100)
    }
}
