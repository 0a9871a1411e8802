import AttuneDSP
import AttunePipeline
import AttuneScoring
import AttuneTestSupport
import Foundation
import Testing

/// Distress is the customer's only. A stereo call is built from EmoDB (real actors): one
/// speaker calm and then angry and fearful, the other calm throughout, taking turns. Whichever
/// channel is the customer's decides the distress; the advisor's voice never moves it.
@Suite struct DistressPrivacyTests {
    static let directory = RepositoryPaths.sharedData + "/emodb"

    /// EmoDB's sample rate.
    static let sampleRateHz = 22050

    /// A speaker's clips with the given labels, in file order (22.05 kHz mono samples). EmoDB's
    /// clips are each peak-normalised to 0 dBFS, unlike a caller on one line; so each clip is set
    /// to an RMS of `levelDBFS` (+4 dB for angry and fear clips: a mildly raised voice).
    static func clips(speaker: String, labels: [String], levelDBFS: Float = -24) throws -> [[Float]] {
        let text = try String(contentsOfFile: directory + "/labels.csv", encoding: .utf8)
        var rows: [[String]] = text.split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        rows.sort { $0[0] < $1[0] }
        var out: [[Float]] = []
        for label in labels {
            for row in rows where row[2] == speaker && row[1] == label {
                let samples = try LoadedRecording.load(CallRecording(source: .file(directory + "/" + row[0]), monoParty: .customer)).samples
                let rms = (samples.reduce(0) { $0 + $1 * $1 } / Float(samples.count)).squareRoot()
                let target = levelDBFS + (label == "angry" || label == "fear" ? 4 : 0)
                let gain = Float(pow(10, Double(target) / 20)) / rms
                out.append(samples.map { $0 * gain })
            }
        }
        return out
    }

    /// Two voices taking turns (0.5 s apart) on two channels: channel 0 speaks `first`'s clips,
    /// channel 1 `second`'s, alternately. Interleaved stereo.
    static func conversation(first: [[Float]], second: [[Float]]) -> [Float] {
        let gap = [Float](repeating: 0, count: sampleRateHz / 2)
        var channels: [[Float]] = [[], []]
        for turn in 0..<max(first.count, second.count) * 2 {
            let speaker = turn % 2
            let clips = speaker == 0 ? first : second
            guard turn / 2 < clips.count else { continue }
            let clip = clips[turn / 2]
            channels[speaker] += clip + gap
            channels[1 - speaker] += [Float](repeating: 0, count: clip.count + gap.count)
        }
        var stereo = [Float](repeating: 0, count: channels[0].count * 2)
        for i in 0..<channels[0].count {
            stereo[2 * i] = channels[0][i]
            stereo[2 * i + 1] = channels[1][i]
        }
        return stereo
    }

    static func distress(_ samples: [Float], advisorChannel: Int) throws -> DistressReport {
        let model = try LoadedModel.load(path: RepositoryPaths.defaultModel)
        let recording = LoadedRecording(samples: samples, layout: .stereo(advisorChannel: advisorChannel), sampleRateHz: sampleRateHz)
        return try #require(recording.analyze(callId: "privacy", model: model).scores?.distress)
    }

    @Test func distressFollowsTheCustomersVoice() throws {
        // Speaker 03 (male): neutral and sad, then angry and fear. Speaker 08 (female): calm throughout.
        let turning = try Self.clips(speaker: "emodb_03", labels: ["neutral", "sad", "angry", "fear"])
        let calm = try Self.clips(speaker: "emodb_08", labels: ["neutral", "sad", "neutral", "sad"])
        let call = Self.conversation(first: calm, second: turning)

        // Customer on channel 1 (the speaker who turns angry).
        let upset = try Self.distress(call, advisorChannel: 0)
        // Same audio, channels' roles swapped: the calm speaker is now the customer.
        let settled = try Self.distress(call, advisorChannel: 1)
        print("distress, angry customer: \(upset.value ?? -1) \(upset.level?.rawValue ?? "-"); angry advisor: \(settled.value ?? -1) \(settled.level?.rawValue ?? "-")")
        #expect((upset.level ?? .none) >= .elevated)
        #expect(settled.level == DistressLevel.none)
        #expect((upset.value ?? 0) > (settled.value ?? 1) + 0.2)

        // Silence the advisor's channel: the customer's distress does not move.
        var silentAdvisor = call
        for i in stride(from: 0, to: silentAdvisor.count, by: 2) { silentAdvisor[i] = 0 }
        let alone = try Self.distress(silentAdvisor, advisorChannel: 0)
        #expect(abs((alone.value ?? -1) - (upset.value ?? -2)) < 0.02)
        // And no contribution ever reads the advisor.
        for report in [upset, settled, alone] {
            #expect(report.contributions.allSatisfy { $0.metric.hasPrefix("customer.") })
        }
    }
}
