public import AttuneAudioIO
public import AttuneDSP

/// A call's audio on disk and how its channels map to parties.
public struct CallRecording: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// One file: stereo (one party per channel) or mono.
        case file(String)
        /// Two mono files, one per party.
        case twoLeg(advisor: String, customer: String)
    }

    public var source: Source
    /// For stereo files: which channel is the advisor's (0 or 1).
    public var advisorChannel: Int
    /// For mono files: whose voice it is (`.mixed` = both parties on one channel).
    public var monoParty: Party
    /// Reject mono files (the caller knows the recording should be stereo).
    public var requiresStereo: Bool

    public init(source: Source, advisorChannel: Int = 0, monoParty: Party = .mixed, requiresStereo: Bool = false) {
        self.source = source
        self.advisorChannel = advisorChannel
        self.monoParty = monoParty
        self.requiresStereo = requiresStereo
    }

    /// A single file with default roles (stereo: advisor on channel 0; mono: mixed).
    public static func file(_ path: String) -> CallRecording { CallRecording(source: .file(path)) }

    /// The file(s), for messages.
    public var paths: [String] {
        switch source {
        case .file(let path): [path]
        case .twoLeg(let advisor, let customer): [advisor, customer]
        }
    }

    /// How the channels map to parties, as part of a stored result's identity (a different map
    /// gives a different result): `twoLeg`, or `file:advisorChannel=N,mono=PARTY`.
    public var channelMap: String {
        switch source {
        case .twoLeg: "twoLeg"
        case .file: "file:advisorChannel=\(advisorChannel),mono=\(monoParty.rawValue)"
        }
    }

    /// A call id from the (first) file name: the name without folders or extension, and without a
    /// trailing `.advisor`/`.customer` leg marker.
    public var defaultCallId: String {
        var name = paths[0].split(separator: "/").last.map(String.init) ?? paths[0]
        if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = String(name[..<dot]) }
        for marker in [".advisor", ".customer", "-advisor", "-customer"] where name.hasSuffix(marker) {
            name.removeLast(marker.count)
        }
        return name
    }
}

/// Why a recording could not be analysed.
public enum AnalysisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file could not be read or is not usable audio.
    case audio(AudioFileError)
    /// The analysis could not be set up (settings).
    case setup(AnalysisSetupError)

    public var description: String {
        switch self {
        case .audio(let error): error.description
        case .setup(let error): error.description
        }
    }
}

/// Decodes recordings in bounded chunks into a `CallAnalyzer`.
public enum RecordingAnalysis {
    /// Samples per channel decoded at a time (about 0.5 s at 8 kHz).
    public static let defaultChunkSamples = 4096

    /// Analyses `recording` and returns its report. Memory does not grow with the recording's length.
    public static func analyze(
        _ recording: CallRecording, callId: String? = nil, configuration: AnalysisConfiguration = .default,
        model: LoadedModel? = nil, chunkSamples: Int = defaultChunkSamples
    ) throws(AnalysisError) -> CallReport {
        var analyzer = try decode(recording, callId: callId, configuration: configuration, model: model, chunkSamples: chunkSamples, tracesFrames: false)
        return analyzer.finish()
    }

    /// Analyses `recording` and returns the finished analyzer (its report and, when scoring, the
    /// customer's cue totals).
    public static func analyzeKeepingAnalyzer(
        _ recording: CallRecording, callId: String? = nil, configuration: AnalysisConfiguration = .default, model: LoadedModel? = nil
    ) throws(AnalysisError) -> (report: CallReport, analyzer: CallAnalyzer) {
        var analyzer = try decode(recording, callId: callId, configuration: configuration, model: model, chunkSamples: defaultChunkSamples, tracesFrames: false)
        let report = analyzer.finish()
        return (report, analyzer)
    }

    /// Analyses `recording` keeping every frame's measurements (memory grows with length).
    public static func analyzeTracingFrames(
        _ recording: CallRecording, callId: String? = nil, configuration: AnalysisConfiguration = .default, model: LoadedModel? = nil
    ) throws(AnalysisError) -> (report: CallReport, frames: [Party: [FrameTrace]]) {
        var analyzer = try decode(recording, callId: callId, configuration: configuration, model: model, chunkSamples: defaultChunkSamples, tracesFrames: true)
        let report = analyzer.finish()
        return (report, analyzer.frameTraces)
    }

    /// Decodes the whole recording into a new analyzer, ready to finish.
    private static func decode(
        _ recording: CallRecording, callId: String?, configuration: AnalysisConfiguration, model: LoadedModel?, chunkSamples: Int,
        tracesFrames: Bool
    ) throws(AnalysisError) -> CallAnalyzer {
        let id = callId ?? recording.defaultCallId
        let setup = Setup(callId: id, configuration: configuration, model: model, chunkSamples: chunkSamples, tracesFrames: tracesFrames)
        switch recording.source {
        case .file(let path):
            return try analyzeFile(path, recording: recording, setup)
        case .twoLeg(let advisor, let customer):
            return try analyzeLegs(advisor: advisor, customer: customer, setup)
        }
    }

    /// How an analysis is set up, whatever the recording.
    private struct Setup {
        var callId: String
        var configuration: AnalysisConfiguration
        var model: LoadedModel?
        var chunkSamples: Int
        var tracesFrames: Bool
    }

    private static func analyzeFile(_ path: String, recording: CallRecording, _ setup: Setup) throws(AnalysisError) -> CallAnalyzer {
        let chunkSamples = setup.chunkSamples
        var reader = try open(path, channels: AudioFileReader.supportedChannelCounts)
        if reader.channelCount == 1 && recording.requiresStereo {
            throw .audio(AudioFileError(code: .unsupportedChannelCount, path: path, message: "is mono; a stereo recording (one party per channel) was expected"))
        }
        let layout: ChannelLayout = reader.channelCount == 2
            ? .stereo(advisorChannel: recording.advisorChannel) : .mono(party: recording.monoParty)
        var analyzer = try makeAnalyzer(layout: layout, sampleRateHz: reader.sampleRateHz, path: path, setup)
        var buffer: [Float] = []
        buffer.reserveCapacity(chunkSamples * reader.channelCount)
        do {
            while try reader.read(into: &buffer, maximumSampleCountPerChannel: chunkSamples) > 0 {
                analyzer.push(interleaved: buffer)
            }
        } catch { throw .audio(error) }
        return analyzer
    }

    private static func analyzeLegs(advisor: String, customer: String, _ setup: Setup) throws(AnalysisError) -> CallAnalyzer {
        let chunkSamples = setup.chunkSamples
        var advisorReader = try open(advisor, channels: 1...1)
        var customerReader = try open(customer, channels: 1...1)
        guard advisorReader.sampleRateHz == customerReader.sampleRateHz else {
            throw .audio(AudioFileError(
                code: .layoutMismatch, path: customer,
                message: "is at \(customerReader.sampleRateHz) Hz but the advisor leg \(advisor) is at \(advisorReader.sampleRateHz) Hz"))
        }
        var analyzer = try makeAnalyzer(layout: .twoLeg, sampleRateHz: advisorReader.sampleRateHz, path: advisor, setup)
        var advisorBuffer: [Float] = [], customerBuffer: [Float] = [], interleaved: [Float] = []
        interleaved.reserveCapacity(2 * chunkSamples)
        do {
            while true {
                let a = try advisorReader.read(into: &advisorBuffer, maximumSampleCountPerChannel: chunkSamples)
                let c = try customerReader.read(into: &customerBuffer, maximumSampleCountPerChannel: chunkSamples)
                let count = max(a, c)
                if count == 0 { break }
                // The shorter leg is continued with silence.
                interleaved.removeAll(keepingCapacity: true)
                for i in 0..<count {
                    interleaved.append(i < a ? advisorBuffer[i] : 0)
                    interleaved.append(i < c ? customerBuffer[i] : 0)
                }
                analyzer.push(interleaved: interleaved)
            }
        } catch { throw .audio(error) }
        return analyzer
    }

    private static func open(_ path: String, channels: ClosedRange<Int>) throws(AnalysisError) -> AudioFileReader {
        do { return try AudioFileReader(path: path, allowedChannelCounts: channels) } catch { throw .audio(error) }
    }

    private static func makeAnalyzer(layout: ChannelLayout, sampleRateHz: Int, path: String, _ setup: Setup) throws(AnalysisError) -> CallAnalyzer {
        do {
            return try CallAnalyzer(
                callId: setup.callId, layout: layout, sampleRateHz: sampleRateHz, configuration: setup.configuration, model: setup.model,
                tracesFrames: setup.tracesFrames)
        } catch {
            if case .unsupportedSampleRate = error {
                throw .audio(AudioFileError(code: .unsupportedSampleRate, path: path, message: error.description))
            }
            throw .setup(error)
        }
    }
}
