import Foundation

/// Debian's headless Chromium for page tests, with every request to another machine made to
/// fail: a dead proxy (Chromium never proxies loopback, so this machine's server still answers)
/// and no host name resolving.
public enum HeadlessChromium {
    /// The browser's path, if installed (`Scripts/install-dependencies.sh` installs it).
    public static let path = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    public struct Missing: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "chromium is a test dependency (Scripts/install-dependencies.sh)" }
    }

    /// Runs Chromium with `arguments` (e.g. `--dump-dom URL`, `--screenshot=FILE URL`) and a
    /// fresh profile in `profile`; returns standard output and the exit status.
    public static func run(_ arguments: [String], profile: String) throws -> (output: String, status: Int32) {
        guard let path else { throw Missing() }
        let run = try ChildProcess.run(path, isolationArguments(profile: profile) + arguments)
        return (run.standardOutput, run.status)
    }

    /// Headless, a fresh profile, and no way off the machine.
    public static func isolationArguments(profile: String) -> [String] {
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--user-data-dir=\(profile)", "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ]
    }

    /// Every `src`, `href`, `action`, `url(…)` and `@import` target of a page that points at
    /// another machine (`//host…` or `scheme://…`).
    public static func externalReferences(_ html: String) -> [String] {
        let pattern = #/(?:src|href|action|poster|srcset)\s*=\s*["']?\s*((?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//[^"'\s>]*)|url\(\s*["']?((?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//[^)"']*)|@import/#
        return html.matches(of: pattern).map { String($0.output.0) }
    }
}
