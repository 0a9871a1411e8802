import Crypto
import Foundation

/// SHA-256 of a recording's bytes (both legs in order for two-leg calls), read in 1 MiB blocks.
enum ContentHasher {
    static func sha256(of paths: [String]) throws(ContentHashError) -> String {
        var hasher = SHA256()
        for path in paths {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw ContentHashError(path: path, message: FileManager.default.fileExists(atPath: path) ? "cannot be read (permission denied?)" : "does not exist")
            }
            defer { try? handle.close() }
            do {
                while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty { hasher.update(data: block) }
            } catch {
                throw ContentHashError(path: path, message: "cannot be read: \(error.localizedDescription)")
            }
        }
        return hasher.finalize().map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

/// A recording could not be read to hash it.
struct ContentHashError: Error {
    var path: String
    var message: String
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
