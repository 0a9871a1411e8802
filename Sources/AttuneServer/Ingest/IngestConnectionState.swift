import NIOCore

/// One ingest connection's state and timing, with no socket: each input (a frame arrived, a
/// call's report began or finished storing, a close, the socket went away, the timer fired)
/// changes the state and says what the connection must do. Time is passed in (the event loop's
/// `now`), so tests drive the idle and close timing by hand (`IngestConnectionStateTests`), and
/// the handler on a `NIOAsyncTestingEventLoop` by advancing its clock.
///
/// The lifecycle: *open* → (a close frame sent) *closing* → (the socket went away) *closed* →
/// (the adapter's end applied and the call stored) *done*. Independently, while a call's
/// report is being stored, frames are *held* (at most `Limits.maximumHeldFrames` and
/// `Limits.maximumHeldBytes`; beyond that they are dropped and the connection says why).
struct IngestConnectionState<Frame> {
    struct Limits {
        /// Silence after which the client is pinged, and then closed if still silent (> 0).
        var idle: TimeAmount
        /// How long the client has to answer our close frame before the socket is dropped.
        var closeHandshake: TimeAmount
        /// Frames held while a report is stored: at most this many, of at most this many bytes.
        var maximumHeldFrames = 64
        var maximumHeldBytes = 1 << 20
    }

    enum Phase: Equatable {
        case open
        /// Our close frame went out; the socket is dropped at `deadline` if still open.
        case closing(deadline: NIODeadline)
        /// The socket has gone away; the call still has to end (and be stored).
        case closed
        /// The call is ended and stored: nothing more happens.
        case done
    }

    /// What to do with a frame that arrived.
    enum Arrival {
        case handle(Frame)
        /// Kept until the report being stored is stored (`nextHeldFrame`).
        case held
        /// Over the held bound: dropped, for this reason.
        case dropped(reason: String)
    }

    /// What to do when the timer fires.
    enum TimerAction: Equatable {
        case none
        /// The client has been silent for `idle`: ping it.
        case ping
        /// Silent for `idle` after the ping: close it, going away, with this reason.
        case close(reason: String)
        /// It has not answered our close frame in time: drop the socket.
        case dropConnection
    }

    /// What to do once the socket has gone away.
    enum Ending: Equatable {
        /// Nothing yet (still open, or a report is being stored).
        case wait
        /// Apply the adapter's `connectionClosed` step (once): whatever the client did not end.
        case applyDisconnect
        /// The call is stored: complete the connection.
        case finish
    }

    let limits: Limits
    private(set) var phase = Phase.open
    /// A call's report is being stored: frames wait.
    private(set) var isStoring = false
    private var held = CircularBuffer<(frame: Frame, bytes: Int)>()
    private var heldBytes = 0
    private var lastHeard: NIODeadline
    private var pingSentAt: NIODeadline?
    private var sentClose = false
    private var disconnectApplied = false

    init(limits: Limits, now: NIODeadline) {
        precondition(limits.idle > .zero, "idle time must be positive")
        self.limits = limits
        lastHeard = now
    }

    var heldFrameCount: Int { held.count }

    // MARK: Frames

    /// A frame of `bytes` arrived at `now`: anything from the client shows it is alive.
    mutating func received(_ frame: Frame, bytes: Int, at now: NIODeadline) -> Arrival {
        lastHeard = now
        pingSentAt = nil
        guard isStoring else { return .handle(frame) }
        guard held.count < limits.maximumHeldFrames, heldBytes + bytes <= limits.maximumHeldBytes else {
            return .dropped(reason: "more than \(limits.maximumHeldFrames) messages or \(limits.maximumHeldBytes) bytes arrived while the call was being stored")
        }
        held.append((frame, bytes))
        heldBytes += bytes
        return .held
    }

    /// A call's report is being stored: frames are held until `storeFinished`.
    mutating func storeBegan() { isStoring = true }

    mutating func storeFinished() { isStoring = false }

    /// The next held frame to handle, in arrival order; nil when none is held or a report is
    /// being stored again.
    mutating func nextHeldFrame() -> Frame? {
        guard !isStoring, let next = held.popFirst() else { return nil }
        heldBytes -= next.bytes
        return next.frame
    }

    // MARK: Closing

    /// We want to close (protocol end, refusal, shutdown, silence): whether to send the close
    /// frame now (only the first time, and only while the socket is open).
    mutating func closeRequested(at now: NIODeadline) -> Bool {
        guard phase == .open, !sentClose else { return false }
        sentClose = true
        phase = .closing(deadline: now + limits.closeHandshake)
        return true
    }

    /// Whether a data message is still for the stream: not once a close frame has gone either
    /// way. (After our close, say a refusal, a client may still send what it wrote before it read
    /// the close; that is moot, not a new protocol error.)
    var acceptsData: Bool { !sentClose }

    /// The client sent a close frame: whether to echo one (when we have not sent ours).
    mutating func clientClosed() -> Bool {
        guard !sentClose else { return false }
        sentClose = true
        return true
    }

    /// The socket has gone away (however it ended).
    mutating func socketClosed() {
        if phase != .done { phase = .closed }
    }

    /// What to do now that the socket may have gone away; call again after each step it asks
    /// for, until it says `wait` or `finish`.
    mutating func ending() -> Ending {
        guard phase == .closed, !isStoring else { return .wait }
        if !disconnectApplied {
            disconnectApplied = true
            held.removeAll()
            heldBytes = 0
            return .applyDisconnect
        }
        phase = .done
        return .finish
    }

    // MARK: Timer

    /// When the timer should next fire; nil once the socket has gone away.
    var nextTimerDeadline: NIODeadline? {
        switch phase {
        case .open: (pingSentAt ?? lastHeard) + limits.idle
        case .closing(let deadline): deadline
        case .closed, .done: nil
        }
    }

    /// The timer fired at `now`.
    mutating func timerFired(at now: NIODeadline) -> TimerAction {
        switch phase {
        case .closed, .done:
            return .none
        case .closing(let deadline):
            return now >= deadline ? .dropConnection : .none
        case .open:
            if let pingSentAt {
                guard now >= pingSentAt + limits.idle else { return .none }
                let silentSeconds = Double((now - lastHeard).nanoseconds) / 1e9
                return .close(reason: "no message for \(Int(silentSeconds.rounded())) s")
            }
            guard now >= lastHeard + limits.idle else { return .none }
            pingSentAt = now
            return .ping
        }
    }
}
