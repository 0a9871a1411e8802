import Foundation

/// Waits for a condition instead of for a fixed time: checks `condition` every `pollMilliseconds`
/// until it holds, and throws `TimedOut` (naming `what`) if it has not within `timeoutSeconds`.
/// The deadline is generous on purpose: it only decides how long a broken test takes to fail,
/// never whether a working one passes on a busy machine.
public func eventually(
    _ what: String, timeoutSeconds: Double = 60, pollMilliseconds: Int = 10, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeoutSeconds * 1000))
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what, timeoutSeconds: timeoutSeconds) }
        try await Task.sleep(for: .milliseconds(pollMilliseconds))
    }
}

/// The value `produce` gives once it is non-nil (see `eventually(_:timeoutSeconds:pollMilliseconds:_:)`).
public func eventually<Value>(
    _ what: String, timeoutSeconds: Double = 60, pollMilliseconds: Int = 10, _ produce: () async throws -> Value?
) async throws -> Value {
    var value: Value? = nil
    try await eventually(what, timeoutSeconds: timeoutSeconds, pollMilliseconds: pollMilliseconds) {
        value = try await produce()
        return value != nil
    }
    return value!
}

/// A condition that did not come true in time.
public struct TimedOut: Error, CustomStringConvertible {
    public var what: String
    public var timeoutSeconds: Double
    public var description: String { "timed out after \(timeoutSeconds) s waiting for \(what)" }
}

/// Runs blocking work (a socket read, waiting for a process) on a thread of its own and awaits
/// it, so a test never holds one of the few cooperative threads (two on a 2-core machine) that
/// the in-process servers of the tests running beside it need. `work` must not use `#expect`:
/// it returns what the test then checks.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// `onOwnThread` for work that cannot fail.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: work()) }.start()
    }
}
