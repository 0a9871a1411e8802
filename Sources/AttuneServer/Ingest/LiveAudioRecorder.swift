import AttuneAudioIO
import FoundationEssentials

/// Keeps a live call's audio as a 16-bit WAV file, when the configuration asks for it
/// (`liveAudio`; off by default). Samples are gathered and written a second at a time, so the
/// ingest event loop makes one small write a second per call, not one per frame.
final class LiveAudioRecorder {
    let path: String
    private let channelCount: Int
    private let samplesPerFlush: Int
    private var pending: [Float] = []
    private var writer: Writer?

    /// The writer, in a class of its own: `AudioFileWriter` cannot be copied.
    private final class Writer {
        let file: AudioFileWriter
        init(_ file: consuming AudioFileWriter) { self.file = file }
    }

    /// Creates the file `folder/CALLID-TIME.wav` (the folder too, if needed).
    init(folder: String, callId: String, sampleRateHz: Int, channelCount: Int) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let stamp = Date.now.formatted(Date.ISO8601FormatStyle().year().month().day().time(includingFractionalSeconds: false)).filter { $0.isNumber }
        let safe = String(callId.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }.prefix(100))
        path = folder + "/" + safe + "-" + stamp + ".wav"
        writer = Writer(try AudioFileWriter(path: path, format: .wavPCM16, sampleRateHz: sampleRateHz, channelCount: channelCount))
        self.channelCount = channelCount
        samplesPerFlush = sampleRateHz * channelCount
    }

    /// Adds interleaved samples.
    func append(_ samples: [Float]) throws {
        pending += samples
        if pending.count >= samplesPerFlush { try flush() }
    }

    /// Writes what is left and closes the file; its path.
    func finish() throws -> String {
        try flush()
        writer = nil
        return path
    }

    /// Closes and deletes the file (the call was not stored, so nothing refers to it).
    func discard() {
        writer = nil
        try? FileManager.default.removeItem(atPath: path)
    }

    private func flush() throws {
        guard let writer, !pending.isEmpty else { return }
        let whole = pending.count - pending.count % channelCount
        try writer.file.write(Array(pending[..<whole]))
        pending.removeFirst(whole)
    }
}
