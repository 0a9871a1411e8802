import AttuneAudioIO
public import AttuneDSP
public import AttunePipeline

/// A recording decoded whole into memory, as the analyzer would be fed it.
public struct LoadedRecording: Sendable {
    /// Interleaved samples, `layout.channelCount` per sample frame.
    public var samples: [Float]
    public var layout: ChannelLayout
    public var sampleRateHz: Int

    public init(samples: [Float], layout: ChannelLayout, sampleRateHz: Int) {
        self.samples = samples
        self.layout = layout
        self.sampleRateHz = sampleRateHz
    }

    /// Decodes a fixture's recording (stereo, two legs interleaved advisor/customer, or mono).
    public static func load(_ recording: CallRecording) throws -> LoadedRecording {
        switch recording.source {
        case .file(let path):
            let (samples, channels, rate) = try readAll(path)
            let layout: ChannelLayout = channels == 2 ? .stereo(advisorChannel: recording.advisorChannel) : .mono(party: recording.monoParty)
            return LoadedRecording(samples: samples, layout: layout, sampleRateHz: rate)
        case .twoLeg(let advisor, let customer):
            let a = try readAll(advisor), c = try readAll(customer)
            let count = max(a.samples.count, c.samples.count)
            var samples = [Float](repeating: 0, count: 2 * count)
            for i in 0..<a.samples.count { samples[2 * i] = a.samples[i] }
            for i in 0..<c.samples.count { samples[2 * i + 1] = c.samples[i] }
            return LoadedRecording(samples: samples, layout: .twoLeg, sampleRateHz: a.rate)
        }
    }

    /// Analyses the samples, pushing `chunkSamples` sample frames at a time (nil: all at once),
    /// scoring with `model` if given.
    public func analyze(callId: String, chunkSamples: Int? = nil, configuration: AnalysisConfiguration = .default, model: LoadedModel? = nil) throws -> CallReport {
        var analyzer = try CallAnalyzer(callId: callId, layout: layout, sampleRateHz: sampleRateHz, configuration: configuration, model: model)
        let step = (chunkSamples ?? samples.count) * layout.channelCount
        samples.withUnsafeBufferPointer { all in
            var start = 0
            while start < all.count {
                let end = min(start + step, all.count)
                analyzer.push(interleaved: UnsafeBufferPointer(rebasing: all[start..<end]))
                start = end
            }
        }
        return analyzer.finish()
    }

    private static func readAll(_ path: String) throws -> (samples: [Float], channels: Int, rate: Int) {
        var reader = try AudioFileReader(path: path)
        var buffer: [Float] = [], all: [Float] = []
        while try reader.read(into: &buffer, maximumSampleCountPerChannel: 65536) > 0 { all += buffer }
        return (all, reader.channelCount, reader.sampleRateHz)
    }
}
