internal import Glibc

/// Whether an Ogg file ends its stream properly: a complete page with the end-of-stream flag.
///
/// libsndfile reads an Ogg file's length from its last page and reports it unknown when that page
/// is missing; a file cut anywhere after its headers then decodes as a shorter call without a
/// word. Every Ogg writer finishes with an end-of-stream page, so its absence means the file was
/// cut (or its last page damaged). The pages are looked for from the end, so bytes appended after
/// a complete stream are not mistaken for a cut.
enum OggEnd {
    /// The words for a missing end.
    static let missingEnd = "the Ogg stream has no end-of-stream page (the file was cut)"

    /// How far back from the end to look: an Ogg page holds at most 65,307 bytes, so this spans
    /// the last page even behind some trailing bytes.
    static let searchBytes = 256 * 1024

    /// Whether `path` holds a complete Ogg page with the end-of-stream flag in its last
    /// `searchBytes`. False when it cannot be read.
    static func hasEndOfStreamPage(path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return false }
        let length = Int(status.st_size)
        let start = max(0, length - searchBytes)
        var tail = [UInt8](repeating: 0, count: length - start)
        let got = tail.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(start)) }
        guard got == tail.count else { return false }
        // Page header: "OggS", version 0, header type (0x04 = end of stream), granule (8), serial (4),
        // sequence (4), CRC (4), segment count, then that many lacing values giving the body's size.
        var position = tail.count - 27
        while position >= 0 {
            defer { position -= 1 }
            guard tail[position] == 0x4F, tail[position + 1] == 0x67, tail[position + 2] == 0x67, tail[position + 3] == 0x53,
                tail[position + 4] == 0, tail[position + 5] & 0x04 != 0
            else { continue }
            let segments = Int(tail[position + 26])
            guard position + 27 + segments <= tail.count else { continue }
            let body = tail[(position + 27)..<(position + 27 + segments)].reduce(0) { $0 + Int($1) }
            if position + 27 + segments + body <= tail.count { return true }
        }
        return false
    }
}

/// Evidence, from the container's own structure, that a file libsndfile could not open was cut.
enum CutContainer {
    /// Why `path` looks cut, or nil: an Ogg file without its end-of-stream page, or a CAF whose
    /// chunk runs past the end of the file.
    static func evidence(path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        let length = Int64(status.st_size)
        func bytes(at offset: Int64, count: Int) -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: count)
            let got = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
            return got > 0 ? Array(buffer.prefix(got)) : []
        }
        let magic = bytes(at: 0, count: 4)
        if magic == Array("OggS".utf8) {
            return OggEnd.hasEndOfStreamPage(path: path) ? nil : OggEnd.missingEnd
        }
        guard magic == Array("caff".utf8) else { return nil }
        // CAF: an 8-byte file header, then chunks of a 4-byte type and a big-endian 64-bit size.
        var position: Int64 = 8
        for _ in 0..<256 {
            let header = bytes(at: position, count: 12)
            guard header.count == 12 else { return nil }
            let size = Int64(bitPattern: header[4..<12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            let type = String(decoding: header[0..<4], as: UTF8.self)
            if size < 0 { return nil }  // -1: a data chunk of unknown length, running to the end
            if size > length - position - 12 {
                return "the '\(type)' chunk declares \(size) bytes but the file holds \(max(0, length - position - 12))"
            }
            position += 12 + size
            if position >= length { return nil }
        }
        return nil
    }
}
