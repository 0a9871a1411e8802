import AttuneAudioIO
import AttuneDSP
import AttunePipeline
import AttuneTestSupport
import FoundationEssentials
import Glibc
import Testing

/// Hostile audio (issue 14 item 5): a few hundred mutated files of every supported encoding, built
/// here from seeds the writer makes, go through the path `attune analyze` takes
/// (`RecordingAnalysis.analyze` with the shipped model). Every outcome must be a report that
/// encodes, or a typed audio error naming the file: no crash (a failed allocation or precondition
/// would end the test process), no NaN in a report, no untyped or anonymous error.
///
/// Seeded, so a failure names a file that can be made again: the mutation is in the file's name.
@Suite struct MutationTests {
    /// Every encoding Attune is documented to read, each at a rate that exercises the resampler
    /// for some of them.
    static let seeds: [(format: AudioFileFormat, rate: Int)] = [
        (.wavPCM16, 8000), (.wavFloat, 16000), (.wavMuLaw, 8000), (.wavALaw, 8000),
        (.flac16, 16000), (.oggVorbis, 8000), (.auPCM16, 8000), (.aiffPCM16, 11025),
    ]
    static let variantsPerMutation = 8

    @Test func mutatedFilesGiveAReportOrATypedErrorNamingTheFile() throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-mutations")
        let model = try LoadedModel.load(path: RepositoryPaths.defaultModel)
        var outcomes: [String: Int] = [:]
        var files = 0
        for (index, seed) in Self.seeds.enumerated() {
            let seedPath = "\(directory)/seed-\(index).\(seed.format.fileExtension)"
            var signal = SignalGenerator(seed: UInt64(100 + index))
            let count = seed.rate / 2
            let noise = signal.noise(count: 2 * count, rms: 0.05)
            var samples = noise
            for i in samples.indices {
                let frequency: Double = i % 2 == 0 ? 440 : 620
                let phase = 2 * Double.pi * frequency * Double(i / 2) / Double(seed.rate)
                samples[i] += Float(0.3 * sin(phase))
            }
            try AudioFileWriter.write(samples, to: seedPath, format: seed.format, sampleRateHz: seed.rate, channelCount: 2)
            let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: seedPath)))
            for mutation in FileMutation.allCases {
                for variant in 0..<Self.variantsPerMutation {
                    var random = SignalGenerator(seed: UInt64(index * 1000 + variant) &* 0x9E37_79B9 ^ UInt64(mutation.hashValueStable))
                    let mutated = mutation.apply(to: original, random: &random)
                    let path = "\(directory)/\(index)-\(mutation)-\(variant).\(seed.format.fileExtension)"
                    try Data(mutated).write(to: URL(fileURLWithPath: path))
                    files += 1
                    do {
                        let report = try RecordingAnalysis.analyze(.file(path), model: model)
                        #expect(AudioLimits.sampleRatesHz.contains(report.sampleRateHz), "\(path): \(report.sampleRateHz) Hz")
                        #expect(report.durationSeconds <= Double(AudioLimits.maximumDurationSeconds), "\(path)")
                        do { _ = try report.jsonData() } catch { Issue.record("\(path): the report does not encode: \(error)") }
                        outcomes["report", default: 0] += 1
                    } catch {
                        guard case .audio(let audio) = error else {
                            Issue.record("\(path): not an audio error: \(error)")
                            continue
                        }
                        #expect(audio.path == path, "\(error)")
                        #expect(error.description.hasPrefix(path + ": "), "\(error)")
                        #expect(!audio.message.isEmpty, "\(path)")
                        outcomes[audio.code.description, default: 0] += 1
                    }
                }
            }
        }
        #expect(files == Self.seeds.count * FileMutation.allCases.count * Self.variantsPerMutation)
        // The mutations reach past the header checks: some files still analyse, and the checks
        // this issue added each fire.
        #expect(outcomes["report", default: 0] > 0, "\(outcomes)")
        for code in ["unsupportedSampleRate", "truncated", "unsupportedChannelCount", "outOfRangeSamples"] {
            #expect(outcomes[code, default: 0] > 0, "no \(code) among \(outcomes)")
        }
    }

    /// The mutations are what they say: deterministic for a seed, and each changes the file.
    @Test func mutationsAreDeterministicAndChangeTheFile() throws {
        let original = BadAudioFiles.aiff(rate80: [0x40, 0x0B, 0xFA, 0, 0, 0, 0, 0, 0, 0], frames: 100)
        for mutation in FileMutation.allCases {
            var first = SignalGenerator(seed: 7), second = SignalGenerator(seed: 7)
            let a = mutation.apply(to: original, random: &first), b = mutation.apply(to: original, random: &second)
            #expect(a == b, "\(mutation)")
            #expect(a != original, "\(mutation)")
        }
        // An AIFF's rate field is found and rewritten.
        var random = SignalGenerator(seed: 1)
        let rewritten = FileMutation.sampleRate.apply(to: original, random: &random)
        #expect(Array(rewritten[0..<28]) == Array(original[0..<28]) && rewritten[28..<38] != original[28..<38])
    }
}

/// The kinds of damage the campaign (Scripts/fuzz/campaign.py) applies, in the same words.
enum FileMutation: String, CaseIterable, CustomStringConvertible {
    /// 1 to 8 bits flipped anywhere.
    case bitFlips
    /// 1 to 4 bits flipped in the first 64 bytes (the header).
    case headerBitFlips
    /// A 32-bit field in the first 64 bytes overwritten with a boundary value, either byte order.
    case headerField
    /// The container's sample rate field set to a hostile value.
    case sampleRate
    /// The container's channel count field set to a hostile value.
    case channelCount
    /// A chunk's (or the AU data) size field set to a hostile value.
    case chunkSize
    /// The file cut short.
    case truncation
    /// A bit of a 32-bit word's float exponent flipped in the audio data (1e18-like samples in
    /// float files).
    case floatExponent

    var description: String { rawValue }
    var hashValueStable: Int { Self.allCases.firstIndex(of: self)! }

    static let boundary32: [UInt32] = [0, 1, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000_0000, 2_147_483_640, 1_073_741_824, 0x0001_0000, 0xFFFF]
    static let hostileRates: [UInt32] = [0, 1, 7_999, 12_345, 192_001, 384_000, 67_108_864, 1_073_741_824, 2_147_483_640, 0x7FFF_FFFF, 0xFFFF_FFFF]
    static let hostileChannels: [UInt32] = [0, 3, 6, 255, 0xFFFF, 0x7FFF_FFFF]

    func apply(to original: [UInt8], random: inout SignalGenerator) -> [UInt8] {
        var bytes = original
        let layout = HeaderLayout(bytes)
        switch self {
        case .bitFlips:
            for _ in 0..<random.next(in: 1..<9) { bytes[random.next(in: 0..<bytes.count)] ^= UInt8(1 << random.next(in: 0..<8)) }
        case .headerBitFlips:
            for _ in 0..<random.next(in: 1..<5) { bytes[random.next(in: 0..<min(64, bytes.count))] ^= UInt8(1 << random.next(in: 0..<8)) }
        case .headerField:
            let offset = random.next(in: 0..<(min(64, bytes.count) - 3))
            bytes.write32(random.pick(Self.boundary32), at: offset, bigEndian: random.next(in: 0..<2) == 1)
        case .sampleRate:
            layout.writeRate(random.pick(Self.hostileRates), random: &random, into: &bytes)
        case .channelCount:
            layout.writeChannels(random.pick(Self.hostileChannels), into: &bytes)
        case .chunkSize:
            layout.writeChunkSize(random: &random, into: &bytes)
        case .truncation:
            bytes.removeLast(random.next(in: 1..<bytes.count))
        case .floatExponent:
            // A little-endian word of the audio data; half the time its exponent's top bit (0.3
            // becomes 8.5e37), otherwise one of its lower exponent bits.
            let start = layout.dataOffset ?? (bytes.count / 2)
            let words = (bytes.count - start) / 4
            guard words > 0 else { bytes[bytes.count - 1] ^= 0x40; break }
            let word = start + 4 * random.next(in: 0..<words)
            let bit = random.next(in: 0..<2) == 0 ? 30 : random.next(in: 23..<30)
            bytes[word + bit / 8] ^= UInt8(1 << (bit % 8))
        }
        if layout.container == .ogg { OggPages.fixChecksums(&bytes) }
        if bytes == original { bytes[bytes.count - 1] ^= 0x01 }  // never a no-op
        return bytes
    }
}

/// Where a container keeps its rate, channel count and chunk sizes.
struct HeaderLayout {
    enum Container { case wav, au, aiff, flac, ogg, other }
    let container: Container
    /// Offsets of size fields with their byte order.
    var sizeFields: [(offset: Int, bigEndian: Bool)] = []
    var rateOffset: Int?
    var channelsOffset: Int?
    /// Where the samples start, when the container says.
    var dataOffset: Int?

    init(_ bytes: [UInt8]) {
        func tag(_ text: String, at offset: Int) -> Bool {
            offset + 4 <= bytes.count && Array(bytes[offset..<(offset + 4)]) == Array(text.utf8)
        }
        func find(_ text: String, from: Int = 0) -> Int? {
            let pattern = Array(text.utf8)
            guard from >= 0, bytes.count - pattern.count >= from else { return nil }
            return (from...(bytes.count - pattern.count)).first { Array(bytes[$0..<($0 + pattern.count)]) == pattern }
        }
        if tag("RIFF", at: 0) {
            container = .wav
            sizeFields = [(4, false)]
            if let fmt = find("fmt ") { sizeFields.append((fmt + 4, false)); channelsOffset = fmt + 10; rateOffset = fmt + 12 }
            if let data = find("data", from: 12) { sizeFields.append((data + 4, false)); dataOffset = data + 8 }
        } else if tag(".snd", at: 0) {
            container = .au
            sizeFields = [(4, true), (8, true)]
            rateOffset = 16
            channelsOffset = 20
            dataOffset = Int(bytes.read32(at: 4, bigEndian: true))
        } else if tag("FORM", at: 0) {
            container = .aiff
            sizeFields = [(4, true)]
            if let comm = find("COMM") { sizeFields.append((comm + 4, true)); channelsOffset = comm + 8; rateOffset = comm + 16 }
            if let ssnd = find("SSND") { sizeFields.append((ssnd + 4, true)); dataOffset = ssnd + 16 }
        } else if tag("fLaC", at: 0) {
            container = .flac
            sizeFields = [(5, true)]  // 24-bit block length at 5...7; written as 32 bits at 4 would hit the type
            rateOffset = 18
            channelsOffset = 20
        } else if tag("OggS", at: 0), let vorbis = find("vorbis") {
            container = .ogg
            channelsOffset = vorbis + 10
            rateOffset = vorbis + 11
            sizeFields = [(vorbis + 6, false)]  // the version field, for want of sizes
        } else {
            container = .other
        }
    }

    func writeRate(_ rate: UInt32, random: inout SignalGenerator, into bytes: inout [UInt8]) {
        guard let offset = rateOffset, offset + 10 <= bytes.count else { return bytes.write32(rate, at: 24, bigEndian: false) }
        switch container {
        case .wav, .ogg: bytes.write32(rate, at: offset, bigEndian: false)
        case .au: bytes.write32(rate, at: offset, bigEndian: true)
        case .aiff:
            // 80-bit extended: the value, or a special (infinity, NaN, negative, 2^31, a huge exponent).
            let specials: [[UInt8]] = [
                [0x7F, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0], [0x7F, 0xFF, 0xC0, 0, 0, 0, 0, 0, 0, 0], [0xC0, 0x0B, 0xFA, 0, 0, 0, 0, 0, 0, 0],
                [0x40, 0x1E, 0x80, 0, 0, 0, 0, 0, 0, 0], [0x7F, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            ]
            let value = random.next(in: 0..<2) == 0 ? random.pick(specials) : Self.extended(rate)
            for (index, byte) in value.enumerated() { bytes[offset + index] = byte }
        case .flac:
            // 20 bits: bytes 18, 19 and the high nibble of 20.
            let value = rate & 0xF_FFFF
            bytes[offset] = UInt8(value >> 12)
            bytes[offset + 1] = UInt8((value >> 4) & 0xFF)
            bytes[offset + 2] = bytes[offset + 2] & 0x0F | UInt8((value & 0xF) << 4)
        case .other: bytes.write32(rate, at: offset, bigEndian: false)
        }
    }

    func writeChannels(_ channels: UInt32, into bytes: inout [UInt8]) {
        guard let offset = channelsOffset, offset + 4 <= bytes.count else { return bytes.write32(channels, at: 22, bigEndian: false) }
        switch container {
        case .wav: bytes[offset] = UInt8(channels & 0xFF); bytes[offset + 1] = UInt8((channels >> 8) & 0xFF)
        case .au: bytes.write32(channels, at: offset, bigEndian: true)
        case .aiff: bytes[offset] = UInt8((channels >> 8) & 0xFF); bytes[offset + 1] = UInt8(channels & 0xFF)
        case .flac: bytes[offset] = bytes[offset] & 0xF1 | UInt8(((channels &- 1) & 0x7) << 1)  // 3 bits: channels - 1
        case .ogg: bytes[offset] = UInt8(channels & 0xFF)
        case .other: bytes[offset] = UInt8(channels & 0xFF)
        }
    }

    func writeChunkSize(random: inout SignalGenerator, into bytes: inout [UInt8]) {
        guard !sizeFields.isEmpty else { return bytes.write32(0xFFFF_FFFF, at: 4, bigEndian: false) }
        let field = random.pick(sizeFields)
        guard field.offset + 4 <= bytes.count else { return }
        let current = container == .flac
            ? Int(bytes[field.offset]) << 16 | Int(bytes[field.offset + 1]) << 8 | Int(bytes[field.offset + 2])
            : Int(bytes.read32(at: field.offset, bigEndian: field.bigEndian))
        let candidates: [UInt32] = [0, 1, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, UInt32(current / 2), UInt32(truncatingIfNeeded: current * 2 + 1),
                                    UInt32(truncatingIfNeeded: current - 1), UInt32(truncatingIfNeeded: current + 1)]
        if container == .flac {
            let value = random.pick(candidates) & 0xFF_FFFF
            bytes[field.offset] = UInt8(value >> 16); bytes[field.offset + 1] = UInt8((value >> 8) & 0xFF); bytes[field.offset + 2] = UInt8(value & 0xFF)
        } else {
            bytes.write32(random.pick(candidates), at: field.offset, bigEndian: field.bigEndian)
        }
    }

    /// `value` as an 80-bit IEEE extended float (AIFF's sample rate).
    static func extended(_ value: UInt32) -> [UInt8] {
        guard value > 0 else { return [UInt8](repeating: 0, count: 10) }
        let exponent = 31 - value.leadingZeroBitCount
        let mantissa = UInt64(value) << (63 - exponent)
        let biased = UInt16(16383 + exponent)
        return [UInt8(biased >> 8), UInt8(biased & 0xFF)] + (0..<8).map { UInt8((mantissa >> (8 * (7 - $0))) & 0xFF) }
    }
}

/// Ogg pages carry a CRC: a mutated header would only be dropped by libogg, so the mutation
/// recomputes each page's checksum to let the damage reach the decoder (as a crafted file would).
enum OggPages {
    static let table: [UInt32] = (0..<256).map { index in
        var r = UInt32(index) << 24
        for _ in 0..<8 { r = r & 0x8000_0000 != 0 ? (r << 1) ^ 0x04C1_1DB7 : r << 1 }
        return r
    }

    static func fixChecksums(_ bytes: inout [UInt8]) {
        var position = 0
        while position + 27 <= bytes.count {
            guard bytes[position] == 0x4F, bytes[position + 1] == 0x67, bytes[position + 2] == 0x67, bytes[position + 3] == 0x53 else { return }
            let segments = Int(bytes[position + 26])
            guard position + 27 + segments <= bytes.count else { return }
            let body = bytes[(position + 27)..<(position + 27 + segments)].reduce(0) { $0 + Int($1) }
            let end = position + 27 + segments + body
            guard end <= bytes.count else { return }
            for index in 22..<26 { bytes[position + index] = 0 }
            var crc: UInt32 = 0
            for byte in bytes[position..<end] { crc = (crc << 8) ^ table[Int(((crc >> 24) ^ UInt32(byte)) & 0xFF)] }
            for index in 0..<4 { bytes[position + 22 + index] = UInt8((crc >> (8 * index)) & 0xFF) }
            position = end
        }
    }
}

extension [UInt8] {
    mutating func write32(_ value: UInt32, at offset: Int, bigEndian: Bool) {
        guard offset >= 0, offset + 4 <= count else { return }
        for index in 0..<4 {
            let shift = bigEndian ? 8 * (3 - index) : 8 * index
            self[offset + index] = UInt8((value >> UInt32(shift)) & 0xFF)
        }
    }

    func read32(at offset: Int, bigEndian: Bool) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { value, index in
            let shift = bigEndian ? 8 * (3 - index) : 8 * index
            return value | UInt32(self[offset + index]) << UInt32(shift)
        }
    }
}
