@testable import AttuneServer
import NIOCore
import Testing

/// The ingest connection's state machine, driven by hand: no socket, no sleeping, time passed in.
struct IngestConnectionStateTests {
    typealias State = IngestConnectionState<Int>

    /// The state under test, with time in whole seconds (a class, so `#expect` can call it).
    final class Machine {
        var state = State(
            limits: .init(idle: .seconds(30), closeHandshake: .seconds(5), maximumHeldFrames: 3, maximumHeldBytes: 1000), now: Machine.at(0))

        static func at(_ seconds: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(seconds) * 1_000_000_000) }

        func fire(at seconds: Int64) -> State.TimerAction { state.timerFired(at: Self.at(seconds)) }
        func receive(_ frame: Int, bytes: Int = 10, at seconds: Int64 = 1) -> State.Arrival { state.received(frame, bytes: bytes, at: Self.at(seconds)) }
        func requestClose(at seconds: Int64) -> Bool { state.closeRequested(at: Self.at(seconds)) }
        func clientClosed() -> Bool { state.clientClosed() }
        func ending() -> State.Ending { state.ending() }
        func nextHeld() -> Int? { state.nextHeldFrame() }
        var timerDue: NIODeadline? { state.nextTimerDeadline }

        func isHeld(_ arrival: State.Arrival) -> Bool { if case .held = arrival { true } else { false } }
        func isDropped(_ arrival: State.Arrival) -> Bool { if case .dropped = arrival { true } else { false } }
    }

    static func at(_ seconds: Int64) -> NIODeadline { Machine.at(seconds) }

    @Test func aSilentClientIsPingedThenClosed() {
        let machine = Machine()
        #expect(machine.timerDue == Self.at(30))
        #expect(machine.fire(at: 29) == .none)
        #expect(machine.fire(at: 30) == .ping)
        #expect(machine.timerDue == Self.at(60))
        #expect(machine.fire(at: 59) == .none)
        #expect(machine.fire(at: 60) == .close(reason: "no message for 60 s"))
    }

    @Test func dataAfterACloseFrameIsNotForTheStream() {
        let ours = Machine()
        #expect(ours.state.acceptsData)
        #expect(ours.requestClose(at: 1))
        #expect(!ours.state.acceptsData, "after our close")
        let theirs = Machine()
        #expect(theirs.clientClosed())
        #expect(!theirs.state.acceptsData, "after the client's close")
    }

    @Test func anyFrameShowsTheClientIsAlive() {
        let machine = Machine()
        #expect(machine.fire(at: 30) == .ping)
        // The pong (or any message) arrives: the ping is answered, silence counts from here.
        guard case .handle(7) = machine.receive(7, at: 31) else { Issue.record("not handled"); return }
        #expect(machine.timerDue == Self.at(61))
        #expect(machine.fire(at: 60) == .none)
        #expect(machine.fire(at: 61) == .ping)
    }

    @Test func anUnansweredCloseDropsTheSocketAfterTheHandshakeTime() {
        let machine = Machine()
        #expect(machine.requestClose(at: 10))
        #expect(!machine.requestClose(at: 11), "a second close frame")
        #expect(!machine.clientClosed(), "the client's close answers ours: no echo")
        #expect(machine.state.phase == .closing(deadline: Self.at(15)))
        #expect(machine.timerDue == Self.at(15))
        #expect(machine.fire(at: 14) == .none)
        #expect(machine.fire(at: 15) == .dropConnection)
    }

    @Test func theClientsCloseIsEchoedOnce() {
        let machine = Machine()
        #expect(machine.clientClosed())
        #expect(!machine.clientClosed())
        #expect(!machine.requestClose(at: 1), "no close frame after the echo")
    }

    @Test func framesWaitWhileAReportIsStoredAndTheWaitIsBounded() {
        let machine = Machine()
        machine.state.storeBegan()
        for frame in 1...3 { #expect(machine.isHeld(machine.receive(frame, bytes: 100)), "frame \(frame)") }
        guard case .dropped(let reason) = machine.receive(4, bytes: 100) else { Issue.record("fourth frame kept"); return }
        #expect(reason.contains("while the call was being stored"))
        #expect(machine.state.heldFrameCount == 3)
        #expect(machine.nextHeld() == nil, "released while still storing")
        machine.state.storeFinished()
        #expect([machine.nextHeld(), machine.nextHeld(), machine.nextHeld(), machine.nextHeld()] == [1, 2, 3, nil])
    }

    @Test func heldBytesAreBoundedToo() {
        let machine = Machine()
        machine.state.storeBegan()
        #expect(machine.isHeld(machine.receive(1, bytes: 900)))
        #expect(machine.isDropped(machine.receive(2, bytes: 101)), "1001 bytes held")
        #expect(machine.isHeld(machine.receive(3, bytes: 100)), "1000 bytes refused")
    }

    @Test func theCallEndsOnceTheSocketHasClosedAndNothingIsBeingStored() {
        let machine = Machine()
        #expect(machine.ending() == .wait, "still open")
        machine.state.storeBegan()
        #expect(machine.isHeld(machine.receive(1)))
        machine.state.socketClosed()
        #expect(machine.timerDue == nil)
        #expect(machine.fire(at: 100) == .none)
        #expect(machine.ending() == .wait, "a report is being stored")
        machine.state.storeFinished()
        #expect(machine.ending() == .applyDisconnect)
        #expect(machine.state.heldFrameCount == 0, "what the closed socket sent is dropped with it")
        // The disconnect step ended a call: it is stored before the connection finishes.
        machine.state.storeBegan()
        #expect(machine.ending() == .wait)
        machine.state.storeFinished()
        #expect(machine.ending() == .finish)
        #expect(machine.state.phase == .done)
        #expect(machine.ending() == .wait, "finished once")
    }
}
