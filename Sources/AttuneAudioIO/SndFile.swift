internal import CSndFile
internal import Glibc
internal import Synchronization

// The only file that imports CSndFile. Everything libsndfile-specific (its "frame" meaning one sample
// per channel, its error strings, its log) stays here; callers see samples per channel and
// `AudioFileError`s.

/// What libsndfile says about an open file.
struct SndFileInfo {
    /// Samples per second per channel (Hz).
    var sampleRateHz: Int
    /// Channels in the file (interleaved on read).
    var channelCount: Int
    /// Samples per channel the header declares (libsndfile's `frames`); nil when unknown.
    var declaredSampleCount: Int64?
    /// A short human name of the container and encoding, e.g. "WAV 16-bit PCM".
    var formatName: String
    /// How the file holds less audio than its header declares, in words (from libsndfile's parse
    /// log, or a missing Ogg end); nil when it holds all of it.
    var truncation: String?
}

/// libsndfile reports why `sf_open` failed in one process-wide variable (`sf_error(NULL)`), which
/// the next `sf_open` on any thread overwrites: a text file opened beside a good one in another
/// batch job read as "No Error.". Opening and reading that variable happen under this lock, so
/// each failure is classified by its own cause. (Reading and writing use per-handle errors.)
private let openLock = Mutex(())

/// An open libsndfile handle. Closes itself when it goes out of scope.
struct SndFileHandle: ~Copyable {
    private let handle: OpaquePointer
    let path: String
    let info: SndFileInfo

    /// Opens `path` for reading.
    ///
    /// MPEG audio is refused before libsndfile sees it (`MPEGSniffer`), and a file libsndfile could
    /// only take as headerless raw samples (guessed from a name such as .au) is refused as not audio.
    init(readingFrom path: String) throws(AudioFileError) {
        if let evidence = MPEGSniffer.mpegEvidence(path: path) {
            throw AudioFileError(code: .unsupportedEncoding, path: path, message: evidence)
        }
        var raw = SF_INFO()
        let (opened, code, text) = openLock.withLock { _ in
            let opened = sf_open(path, Int32(SFM_READ), &raw)
            return opened == nil ? (opened, sf_error(nil), String(cString: sf_strerror(nil))) : (opened, 0, "")
        }
        guard let handle = opened else {
            var status = stat()
            if stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG && status.st_size == 0 {
                throw AudioFileError(code: .empty, path: path, message: "is empty (0 bytes)")
            }
            throw Self.openError(path: path, code: code, text: text)
        }
        let container = raw.format & Int32(SF_FORMAT_TYPEMASK)
        let encoding = raw.format & Int32(SF_FORMAT_SUBMASK)
        if container == Int32(SF_FORMAT_MPEG)
            || [SF_FORMAT_MPEG_LAYER_I, SF_FORMAT_MPEG_LAYER_II, SF_FORMAT_MPEG_LAYER_III].contains(where: { encoding == Int32($0) }) {
            sf_close(handle)
            throw AudioFileError(code: .unsupportedEncoding, path: path, message: "MPEG audio is not supported; convert it to WAV or FLAC first")
        }
        if container == Int32(SF_FORMAT_RAW) {
            sf_close(handle)
            throw AudioFileError(
                code: .notAudio, path: path, message: "not an audio file libsndfile recognises (no audio header; only its name suggests audio)")
        }
        self.handle = handle
        self.path = path
        let declared: Int64? = (raw.frames <= 0 || raw.frames >= Int64.max / 2) ? nil : raw.frames
        var truncation = Self.truncationInLog(handle, container: container)
        if truncation == nil && container == Int32(SF_FORMAT_OGG) && declared == nil && !OggEnd.hasEndOfStreamPage(path: path) {
            truncation = OggEnd.missingEnd
        }
        self.info = SndFileInfo(
            sampleRateHz: Int(raw.samplerate),
            channelCount: Int(raw.channels),
            declaredSampleCount: declared,
            formatName: Self.formatName(raw.format),
            truncation: truncation
        )
    }

    /// Opens `path` for writing with the given libsndfile format code.
    init(writingTo path: String, format: Int32, sampleRateHz: Int, channelCount: Int) throws(AudioFileError) {
        var raw = SF_INFO()
        raw.samplerate = Int32(sampleRateHz)
        raw.channels = Int32(channelCount)
        raw.format = format
        guard sf_format_check(&raw) != 0 else {
            throw AudioFileError(code: .writeFailed, path: path, message: "libsndfile cannot write this format combination")
        }
        let (opened, text) = openLock.withLock { _ in
            let opened = sf_open(path, Int32(SFM_WRITE), &raw)
            return (opened, opened == nil ? String(cString: sf_strerror(nil)) : "")
        }
        guard let handle = opened else { throw AudioFileError(code: .writeFailed, path: path, message: text) }
        self.handle = handle
        self.path = path
        self.info = SndFileInfo(
            sampleRateHz: sampleRateHz, channelCount: channelCount, declaredSampleCount: nil,
            formatName: Self.formatName(format), truncation: nil)
    }

    deinit { sf_close(handle) }

    /// Reads up to `sampleCountPerChannel` samples per channel, interleaved, as floats in [-1, 1].
    /// Returns the samples per channel read; 0 at the end of the file.
    func read(into buffer: UnsafeMutableBufferPointer<Float>, sampleCountPerChannel: Int) throws(AudioFileError) -> Int {
        precondition(buffer.count >= sampleCountPerChannel * info.channelCount, "buffer too small")
        let got = sf_readf_float(handle, buffer.baseAddress, sf_count_t(sampleCountPerChannel))
        let code = sf_error(handle)
        if got < 0 || code != 0 {
            throw AudioFileError(code: .malformed, path: path, message: "decoding failed: \(String(cString: sf_strerror(handle)))")
        }
        return Int(got)
    }

    /// Moves reading to `samplePerChannel` (0 = the start).
    func seek(toSamplePerChannel sample: Int64) throws(AudioFileError) {
        guard sf_seek(handle, sf_count_t(sample), SEEK_SET) == sample else {
            throw AudioFileError(code: .malformed, path: path, message: "cannot seek to sample \(sample): \(String(cString: sf_strerror(handle)))")
        }
    }

    /// Writes interleaved float samples.
    func write(_ samples: UnsafeBufferPointer<Float>) throws(AudioFileError) {
        let perChannel = samples.count / info.channelCount
        let wrote = sf_writef_float(handle, samples.baseAddress, sf_count_t(perChannel))
        guard wrote == perChannel else {
            throw AudioFileError(code: .writeFailed, path: path, message: String(cString: sf_strerror(handle)))
        }
    }

    // MARK: - Mapping libsndfile's answers

    private static func openError(path: String, code: Int32, text: String) -> AudioFileError {
        if code == Int32(SF_ERR_MALFORMED_FILE), let cut = CutContainer.evidence(path: path) {
            // libsndfile cannot open some cut files at all (an Ogg stream cut inside its first
            // pages, a CAF whose data chunk runs past the end): they are truncated, not damaged.
            return AudioFileError(code: .truncated, path: path, message: "truncated: \(cut)")
        }
        switch code {
        case Int32(SF_ERR_UNRECOGNISED_FORMAT):
            return AudioFileError(code: .notAudio, path: path, message: "not an audio file libsndfile recognises (\(text))")
        case Int32(SF_ERR_SYSTEM):
            return AudioFileError(code: .unreadable, path: path, message: "cannot open: \(text.replacing("System error : ", with: ""))")
        default:
            if text.contains("Channel count is zero") {
                return AudioFileError(code: .unsupportedChannelCount, path: path, message: "the header declares zero channels")
            }
            return AudioFileError(code: .malformed, path: path, message: "damaged audio header (\(text))")
        }
    }

    /// libsndfile adjusts a file's data length to what the file holds and notes the difference in
    /// its parse log; that note is the only sign of a truncated WAV, AIFF, AU, W64, RF64 or CAF:
    ///
    ///     data : 64000 (should be 9956)                   WAV, WAVEX, CAF
    ///     SSND : 128008 (should be 76772)                 AIFF, AIFC
    ///     Data Size   : 128000 (should be 76782)          AU
    ///     riff : 128104 (should be 76862)                 W64 (its data line has no note)
    ///     *** Calculated frame count 214 does not match value from 'ds64' chunk of 12000.   RF64
    ///     *** Frame count read from 'COMM' chunk (32000) not equal to frame count
    ///     *** calculated from length of 'SSND' chunk (19191).                            AIFF
    ///
    /// Returns the difference in words, or nil. Headers that declare 0 or 0xFFFFFFFF bytes (a
    /// recorder that never finalised the file) are conventional "length unknown" markers, not
    /// truncation.
    private static func truncationInLog(_ handle: OpaquePointer, container: Int32) -> String? {
        var log = [CChar](repeating: 0, count: 8192)
        _ = sf_command(handle, Int32(SFC_GET_LOG_INFO), &log, Int32(log.count))
        let text = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let lines = text.split(separator: "\n").map { $0.drop { $0 == " " } }
        func numbers<S: StringProtocol>(_ line: S) -> [UInt64] { line.split(whereSeparator: { !$0.isNumber }).compactMap { UInt64($0) } }
        var sizeNames: Set<String> = ["data", "SSND", "Data Size"]
        if container == Int32(SF_FORMAT_W64) { sizeNames.insert("riff") }
        for (index, line) in lines.enumerated() {
            if line.contains("(should be"), let colon = line.firstIndex(of: ":"),
                sizeNames.contains(line[..<colon].split(separator: " ").joined(separator: " ")) {
                let found = numbers(line)
                guard found.count >= 2 else { continue }
                let declared = found[0], actual = found[1]
                if declared == 0 || declared == 0xFFFF_FFFF || declared == UInt64.max { continue }
                if actual < declared { return "the header declares \(declared) bytes of audio data but the file holds \(actual)" }
            }
            if line.hasPrefix("*** Calculated frame count") && line.contains("ds64") {
                let found = numbers(line.replacing("ds64", with: ""))
                if found.count >= 2 && found[0] < found[1] {
                    return "the header declares \(found[1]) samples per channel but the file holds \(found[0])"
                }
            }
            if line.hasPrefix("*** Frame count read from 'COMM' chunk"), index + 1 < lines.count {
                let declared = numbers(line), held = numbers(lines[index + 1])
                if let declared = declared.first, let held = held.first, held < declared {
                    return "the header declares \(declared) samples per channel but the file holds \(held)"
                }
            }
        }
        return nil
    }

    private static func formatName(_ format: Int32) -> String {
        let major = format & Int32(SF_FORMAT_TYPEMASK)
        let minor = format & Int32(SF_FORMAT_SUBMASK)
        let container: String = switch major {
        case Int32(SF_FORMAT_WAV): "WAV"
        case Int32(SF_FORMAT_WAVEX): "WAVEX"
        case Int32(SF_FORMAT_FLAC): "FLAC"
        case Int32(SF_FORMAT_OGG): "OGG"
        case Int32(SF_FORMAT_AIFF): "AIFF"
        case Int32(SF_FORMAT_AU): "AU"
        case Int32(SF_FORMAT_RAW): "RAW"
        case Int32(SF_FORMAT_W64): "W64"
        case Int32(SF_FORMAT_RF64): "RF64"
        case Int32(SF_FORMAT_CAF): "CAF"
        case Int32(SF_FORMAT_MPEG): "MPEG"
        default: "format 0x" + String(major, radix: 16)
        }
        let encoding: String = switch minor {
        case Int32(SF_FORMAT_PCM_S8), Int32(SF_FORMAT_PCM_U8): "8-bit PCM"
        case Int32(SF_FORMAT_PCM_16): "16-bit PCM"
        case Int32(SF_FORMAT_PCM_24): "24-bit PCM"
        case Int32(SF_FORMAT_PCM_32): "32-bit PCM"
        case Int32(SF_FORMAT_FLOAT): "32-bit float"
        case Int32(SF_FORMAT_DOUBLE): "64-bit float"
        case Int32(SF_FORMAT_ULAW): "μ-law"
        case Int32(SF_FORMAT_ALAW): "A-law"
        case Int32(SF_FORMAT_VORBIS): "Vorbis"
        case Int32(SF_FORMAT_OPUS): "Opus"
        case Int32(SF_FORMAT_MPEG_LAYER_I), Int32(SF_FORMAT_MPEG_LAYER_II), Int32(SF_FORMAT_MPEG_LAYER_III): "MPEG audio"
        default: "encoding 0x" + String(minor, radix: 16)
        }
        return "\(container) \(encoding)"
    }
}

// MARK: - Output formats

/// A container and sample encoding libsndfile can write.
public struct AudioFileFormat: Hashable, Sendable, CustomStringConvertible {
    let code: Int32
    public let description: String
    /// The usual file name extension, without the dot.
    public let fileExtension: String

    public static let wavPCM16 = AudioFileFormat(code: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16), description: "WAV 16-bit PCM", fileExtension: "wav")
    public static let wavPCM24 = AudioFileFormat(code: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_24), description: "WAV 24-bit PCM", fileExtension: "wav")
    public static let wavPCM32 = AudioFileFormat(code: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_32), description: "WAV 32-bit PCM", fileExtension: "wav")
    public static let wavFloat = AudioFileFormat(code: Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT), description: "WAV 32-bit float", fileExtension: "wav")
    public static let wavMuLaw = AudioFileFormat(code: Int32(SF_FORMAT_WAV | SF_FORMAT_ULAW), description: "WAV μ-law", fileExtension: "wav")
    public static let wavALaw = AudioFileFormat(code: Int32(SF_FORMAT_WAV | SF_FORMAT_ALAW), description: "WAV A-law", fileExtension: "wav")
    public static let flac16 = AudioFileFormat(code: Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16), description: "FLAC 16-bit", fileExtension: "flac")
    public static let oggVorbis = AudioFileFormat(code: Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS), description: "OGG Vorbis", fileExtension: "ogg")
    public static let oggOpus = AudioFileFormat(code: Int32(SF_FORMAT_OGG | SF_FORMAT_OPUS), description: "OGG Opus", fileExtension: "opus")
    public static let auPCM16 = AudioFileFormat(code: Int32(SF_FORMAT_AU | SF_FORMAT_PCM_16), description: "AU 16-bit PCM", fileExtension: "au")
    public static let auMuLaw = AudioFileFormat(code: Int32(SF_FORMAT_AU | SF_FORMAT_ULAW), description: "AU μ-law", fileExtension: "au")
    public static let aiffPCM16 = AudioFileFormat(code: Int32(SF_FORMAT_AIFF | SF_FORMAT_PCM_16), description: "AIFF 16-bit PCM", fileExtension: "aiff")
    public static let aifcFloat = AudioFileFormat(code: Int32(SF_FORMAT_AIFF | SF_FORMAT_FLOAT), description: "AIFC 32-bit float", fileExtension: "aifc")
    public static let w64PCM16 = AudioFileFormat(code: Int32(SF_FORMAT_W64 | SF_FORMAT_PCM_16), description: "W64 16-bit PCM", fileExtension: "w64")
    public static let rf64PCM16 = AudioFileFormat(code: Int32(SF_FORMAT_RF64 | SF_FORMAT_PCM_16), description: "RF64 16-bit PCM", fileExtension: "rf64")
    public static let cafPCM16 = AudioFileFormat(code: Int32(SF_FORMAT_CAF | SF_FORMAT_PCM_16), description: "CAF 16-bit PCM", fileExtension: "caf")
}
