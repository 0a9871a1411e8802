import AttuneAudioIO
import AttuneLive
import FoundationEssentials

/// A stereo 8 kHz fixture (advisor on channel 0) as 20 ms frames of μ-law bytes per channel,
/// decoded once and shared by every replayed call.
struct FixtureAudio: Sendable {
    /// Per 20 ms frame: the advisor's and the customer's 160 μ-law bytes.
    var frames: [(advisor: [UInt8], customer: [UInt8])]

    static let samplesPerFrame = 160

    struct Unusable: Error, CustomStringConvertible {
        var description: String
    }

    init(path: String) throws {
        var reader = try AudioFileReader(path: path)
        guard reader.channelCount == 2, reader.sampleRateHz == 8000 else {
            throw Unusable(description: "\(path): the load tool replays stereo 8 kHz calls (got \(reader.channelCount) channel(s) at \(reader.sampleRateHz) Hz)")
        }
        var buffer: [Float] = []
        var advisor: [UInt8] = [], customer: [UInt8] = []
        while case let count = try reader.read(into: &buffer, maximumSampleCountPerChannel: 4096), count > 0 {
            for index in 0..<count {
                advisor.append(G711.encodeMuLaw(buffer[2 * index]))
                customer.append(G711.encodeMuLaw(buffer[2 * index + 1]))
            }
        }
        let frameCount = advisor.count / Self.samplesPerFrame
        frames = (0..<frameCount).map { index in
            let range = index * Self.samplesPerFrame..<(index + 1) * Self.samplesPerFrame
            return (Array(advisor[range]), Array(customer[range]))
        }
    }
}
