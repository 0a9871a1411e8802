import AsyncHTTPClient
import AttuneTestSupport
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket

/// A page open in headless Chromium, driven over the DevTools protocol: read its live DOM and
/// take screenshots while it runs (`--dump-dom` would only see the page as it loaded). Requests
/// to other machines fail (`HeadlessChromium`'s dead proxy and resolver rules).
final class ChromiumPage: @unchecked Sendable {
    private let process: Process
    private let socketURL: String

    /// Opens `url` in a fresh headless browser.
    init(url: String, profile: String, windowSize: String = "1280,900") async throws {
        guard let path = HeadlessChromium.path else { throw HeadlessChromium.Missing() }
        process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = HeadlessChromium.isolationArguments(profile: profile) + [
            "--remote-debugging-port=0", "--remote-allow-origins=*", "--window-size=\(windowSize)", url,
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/…"
        var text = ""
        var port: String? = nil
        let deadline = Date().addingTimeInterval(20)
        while port == nil, Date() < deadline {
            let data = errors.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
            if let match = text.firstMatch(of: #/DevTools listening on ws://127\.0\.0\.1:(\d+)/#) { port = String(match.output.1) }
        }
        guard let port else { process.terminate(); throw Failure("Chromium did not open its DevTools port") }
        // The page target's socket.
        let found: String? = try? await eventually("Chromium's page target") { () async throws -> String? in
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/json/list"), timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 1 << 20)
            struct Target: Decodable { var type: String; var webSocketDebuggerUrl: String? }
            let targets = try JSONDecoder().decode([Target].self, from: Data(body.readableBytesView))
            return targets.first { $0.type == "page" }?.webSocketDebuggerUrl
        }
        guard let found else { process.terminate(); throw Failure("Chromium has no page target") }
        socketURL = found
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Evaluates a JavaScript expression in the page (awaiting it, if it is a promise); its value.
    func evaluate(_ expression: String) async throws -> String {
        let call = try JSONSerialization.data(withJSONObject: [
            "id": 1, "method": "Runtime.evaluate", "params": ["expression": expression, "returnByValue": true, "awaitPromise": true],
        ])
        let result = try await send(String(decoding: call, as: UTF8.self))
        struct Reply: Decodable { struct Result: Decodable { struct Value: Decodable { var value: String? }; var result: Value }; var result: Result }
        guard let reply = try? JSONDecoder().decode(Reply.self, from: Data(result.utf8)) else {
            throw Failure("DevTools did not evaluate the expression: \(result.prefix(300))")
        }
        return reply.result.result.value ?? ""
    }

    /// The page's DOM now.
    func html() async throws -> String { try await evaluate("document.documentElement.outerHTML") }

    /// The page's DOM at the moment the JavaScript `condition` first holds, or nil when it has not
    /// within `timeoutSeconds`. The page itself waits: the condition is checked at once and after
    /// every change to the document (a `MutationObserver`), so nothing here polls or sleeps.
    /// A wait begun while the page was still loading ends with its context ("Execution context
    /// was destroyed"); it is begun again in the loaded page.
    func dom(when condition: String, timeoutSeconds: Int) async throws -> String? {
        for attempt in 1...5 {
            do {
                return try await domOnce(when: condition, timeoutSeconds: timeoutSeconds)
            } catch let failure as Failure where failure.description.contains("context was destroyed") && attempt < 5 {
                continue
            }
        }
        return nil
    }

    private func domOnce(when condition: String, timeoutSeconds: Int) async throws -> String? {
        let dom = try await evaluate("""
            new Promise(resolve => {
              const holds = () => { try { return Boolean(\(condition)); } catch (e) { return false; } };
              let observer = null, timer = null;
              const done = (value) => { if (observer) observer.disconnect(); if (timer) clearTimeout(timer); resolve(value); };
              if (holds()) { done(document.documentElement.outerHTML); return; }
              observer = new MutationObserver(() => { if (holds()) done(document.documentElement.outerHTML); });
              observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
              timer = setTimeout(() => done(""), \(timeoutSeconds * 1000));
            })
            """)
        return dom.isEmpty ? nil : dom
    }

    /// A PNG screenshot of the page now.
    func screenshot() async throws -> Data {
        let result = try await send(#"{"id":2,"method":"Page.captureScreenshot","params":{"format":"png"}}"#)
        struct Reply: Decodable { struct Result: Decodable { var data: String }; var result: Result }
        return Data(base64Encoded: try JSONDecoder().decode(Reply.self, from: Data(result.utf8)).result.data) ?? Data()
    }

    /// Sends one DevTools command on a fresh connection and returns its reply.
    private func send(_ command: String) async throws -> String {
        let box = Reply()
        _ = try await WebSocketClient.connect(
            url: socketURL, configuration: .init(maxFrameSize: 1 << 24), logger: Logger(label: "test.chromium")
        ) { inbound, outbound, _ in
            try await outbound.write(.text(command))
            var iterator = inbound.messages(maxSize: 1 << 26).makeAsyncIterator()
            while let message = try await iterator.next() {
                if case .text(let text) = message, text.hasPrefix(#"{"id":"#) { box.text = text; break }
            }
            try await outbound.close(.normalClosure, reason: nil)
        }
        return box.text
    }

    private final class Reply: @unchecked Sendable { var text = "" }

    func close() {
        process.terminate()
        process.waitUntilExit()
    }
}
