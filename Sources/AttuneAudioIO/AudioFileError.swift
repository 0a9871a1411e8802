/// An audio file that could not be read, with the file it concerns.
///
/// Errors are values with context, in SwiftNIO's `FileSystemError` style: `code` says what kind of
/// failure it is (new codes can be added without breaking anyone's `switch`), `path` names the file
/// and `message` says what was wrong in words a user can act on.
public struct AudioFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable {
            case unreadable, empty, notAudio, malformed, truncated, unsupportedEncoding, tooLong
            case unsupportedChannelCount, unsupportedSampleRate, nonFiniteSamples, outOfRangeSamples, layoutMismatch
            case writeFailed
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The path does not exist, is a directory, or may not be read.
        public static let unreadable = Code(.unreadable)
        /// The file holds no bytes, or no audio samples.
        public static let empty = Code(.empty)
        /// The file is not in any audio format libsndfile recognises.
        public static let notAudio = Code(.notAudio)
        /// The file claims to be audio but its header is damaged.
        public static let malformed = Code(.malformed)
        /// The header declares more audio than the file holds (or an Ogg stream lacks its end).
        public static let truncated = Code(.truncated)
        /// Audio in an encoding Attune does not decode: MPEG audio (MP3, or MPEG inside a WAV),
        /// whose decoder writes its own notes to stderr on damaged data.
        public static let unsupportedEncoding = Code(.unsupportedEncoding)
        /// Longer than `AudioLimits.maximumDurationSeconds` (declared or decoded).
        public static let tooLong = Code(.tooLong)
        /// Not 1 or 2 channels, or not the count the call layout needs.
        public static let unsupportedChannelCount = Code(.unsupportedChannelCount)
        /// A sample rate the analysis cannot use (outside `AudioLimits.sampleRatesHz`, 8–192 kHz, or
        /// not in a simple ratio to 8 kHz).
        public static let unsupportedSampleRate = Code(.unsupportedSampleRate)
        /// A NaN or infinite sample value.
        public static let nonFiniteSamples = Code(.nonFiniteSamples)
        /// A sample beyond `AudioLimits.maximumSampleMagnitude` (±10,000 full scale).
        public static let outOfRangeSamples = Code(.outOfRangeSamples)
        /// Two leg files that do not fit together (different sample rates).
        public static let layoutMismatch = Code(.layoutMismatch)
        /// Writing a file failed.
        public static let writeFailed = Code(.writeFailed)

        public var description: String { wrapped.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// The file concerned, as given by the caller.
    public var path: String
    /// What was wrong, in words.
    public var message: String

    public init(code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
