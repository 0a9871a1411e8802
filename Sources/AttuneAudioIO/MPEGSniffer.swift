internal import Glibc

/// Recognises MPEG audio (MP1/2/3, alone or inside a WAV) from a file's first bytes, before
/// libsndfile opens it.
///
/// libsndfile hands MPEG audio to libmpg123, which writes notes ("Note: Illegal Audio-MPEG-Header …",
/// "Warning: Xing stream size off …") straight to the process's stderr on damaged or cut data,
/// during `sf_open` as well as while reading; libsndfile offers no way to quiet it, and redirecting
/// stderr would swallow other threads' lines in a batch. So Attune does not decode MPEG audio at all
/// and refuses it here, before any decoder runs. The rules follow libsndfile's own: ID3v2 tags are
/// skipped, an MPEG frame header at the start means MPEG, a RIFF/RIFX `WAVE` whose `fmt ` chunk
/// says `WAVE_FORMAT_MPEG` (0x50) or `WAVE_FORMAT_MPEGLAYER3` (0x55) is MPEG in a WAV, and a name
/// ending in .mp1/.mp2/.mp3 (or an ID3 tag) followed by content no other container claims would be
/// tried as MPEG.
enum MPEGSniffer {
    /// Why `path` would be decoded as MPEG audio, or nil. Unreadable paths give nil (opening them
    /// reports why).
    static func mpegEvidence(path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)  // a FIFO must not block the open
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        func bytes(at offset: Int64, count: Int) -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: count)
            let got = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
            return got > 0 ? Array(buffer.prefix(got)) : []
        }

        // ID3v2 tags before the audio: 10-byte header, syncsafe size, optional 10-byte footer.
        var start: Int64 = 0
        for _ in 0..<8 {
            let tag = bytes(at: start, count: 10)
            guard tag.count == 10, tag[0] == 0x49, tag[1] == 0x44, tag[2] == 0x33 else { break }  // "ID3"
            let size = tag[6..<10].reduce(Int64(0)) { $0 << 7 | Int64($1 & 0x7F) }
            start += 10 + size + (tag[5] & 0x10 != 0 ? 10 : 0)
        }
        let head = bytes(at: start, count: 12)
        if head.count >= 4 && isFrameHeader(head) {
            return "MPEG audio (MP3) is not supported; convert it to WAV or FLAC first"
        }
        if head.count == 12, let tag = riffFormatTag(head: head, start: start, read: bytes), tag == 0x50 || tag == 0x55 {
            return "MPEG audio in a WAV file (format tag 0x\(String(tag, radix: 16))) is not supported; convert it to PCM WAV or FLAC first"
        }
        let name = path.split(separator: "/").last.map { $0.lowercased() } ?? ""
        let namedMPEG = ["mp1", "mp2", "mp3"].contains { name.hasSuffix("." + $0) }
        if (namedMPEG || start > 0) && !(head.isEmpty && start == 0) && !Self.hasKnownContainerMagic(head) {
            return start > 0
                ? "holds an ID3 tag and no other audio header: MPEG audio (MP3) is not supported; convert it to WAV or FLAC first"
                : "is named as MPEG audio (MP3), which is not supported, and holds no other audio header"
        }
        return nil
    }

    /// An MPEG audio frame header: 11 sync bits, a valid version, layer, bitrate and sample rate.
    static func isFrameHeader(_ b: [UInt8]) -> Bool {
        b[0] == 0xFF && b[1] & 0xE0 == 0xE0
            && (b[1] >> 3) & 0x3 != 0x1  // version: not reserved
            && (b[1] >> 1) & 0x3 != 0x0  // layer: not reserved
            && b[2] >> 4 != 0xF  // bitrate index: not "bad"
            && (b[2] >> 2) & 0x3 != 0x3  // sample rate index: not reserved
    }

    /// The `fmt ` chunk's format tag of a RIFF (little-endian) or RIFX (big-endian) WAVE file.
    private static func riffFormatTag(head: [UInt8], start: Int64, read: (Int64, Int) -> [UInt8]) -> UInt16? {
        let riff = head.starts(with: Array("RIFF".utf8)), rifx = head.starts(with: Array("RIFX".utf8))
        guard riff || rifx, Array(head[8..<12]) == Array("WAVE".utf8) else { return nil }
        func number(_ bytes: ArraySlice<UInt8>) -> UInt64 {
            let ordered = rifx ? Array(bytes) : bytes.reversed()
            return ordered.reduce(0) { $0 << 8 | UInt64($1) }
        }
        var position = start + 12
        for _ in 0..<256 {
            let chunk = read(position, 10)
            guard chunk.count >= 8 else { return nil }
            if Array(chunk[0..<4]) == Array("fmt ".utf8) {
                return chunk.count == 10 ? UInt16(number(chunk[8..<10])) : nil
            }
            let size = number(chunk[4..<8])
            position += 8 + Int64(size) + Int64(size & 1)
        }
        return nil
    }

    /// Starts with the magic of a container libsndfile recognises by content (so a name ending in
    /// .mp3 does not make libsndfile try MPEG).
    private static func hasKnownContainerMagic(_ head: [UInt8]) -> Bool {
        let magics = ["RIFF", "RIFX", "RF64", "FORM", ".snd", "dns.", "riff", "fLaC", "OggS", "caff", "NIST", "Crea", "fap ", " paf"]
        return head.count >= 4 && magics.contains { head.starts(with: Array($0.utf8)) }
    }
}
