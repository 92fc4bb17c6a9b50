import Foundation
import Glibc
import HTTPServer
import Observability
import Synchronization
import TestSupport
import Testing

/// A companion that records its steps; what it answers is set by the test.
private final class RecordingCompanion: LoopCompanion {
    struct Step: Equatable {
        var thread: String
        var stopping: Bool
        var signalled: Bool
    }

    /// The read end of a pipe; a byte written to the other end is a signal.
    let descriptor: Int32
    private let signalEnd: Int32
    let steps = Mutex<[Step]>([])
    /// What to answer, given the steps so far (this one included).
    let answer: @Sendable ([Step]) -> LoopCompanionNext

    init(answer: @escaping @Sendable ([Step]) -> LoopCompanionNext) {
        self.answer = answer
        var ends: [Int32] = [0, 0]
        _ = pipe(&ends)
        _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
        (descriptor, signalEnd) = (ends[0], ends[1])
    }

    deinit {
        close(descriptor)
        close(signalEnd)
    }

    func signal() {
        var byte: UInt8 = 1
        _ = write(signalEnd, &byte, 1)
    }

    func runStep(stopping: Bool) -> LoopCompanionNext {
        var byte: UInt8 = 0
        let signalled = read(descriptor, &byte, 1) == 1
        let step = Step(thread: Thread.current.name ?? "", stopping: stopping, signalled: signalled)
        return answer(
            steps.withLock { steps in
                steps.append(step)
                return steps
            })
    }
}

@Suite struct LoopCompanionTests {
    /// Timeouts of four seconds and more give the loop a 1-second tick: a step sooner than that
    /// came from the companion's descriptor or deadline, not from the tick.
    private func server(_ companion: RecordingCompanion) throws -> HTTPServer {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.logger.level = .error
        configuration.headerReadTimeout = .seconds(8)
        configuration.bodyReadTimeout = .seconds(8)
        configuration.idleTimeout = .seconds(8)
        configuration.writeTimeout = .seconds(8)
        let server = HTTPServer(configuration: configuration, responder: Router())
        try server.start(with: companion)
        return server
    }

    @Test func itsDescriptorWakesTheLoopForAStepOnTheLoopsThread() throws {
        let companion = RecordingCompanion { steps in steps.last!.stopping ? .finished : .whenever }
        let server = try server(companion)
        defer {
            server.shutdown()
            server.waitUntilStopped()
        }
        // Five signals, one after the other, answered within 2 s in all: at the 1-s tick they would
        // take 2.5 s on average and up to 5.
        let giveUp = Date().addingTimeInterval(2)
        for round in 1...5 {
            companion.signal()
            try waitUntil("step \(round) saw the signal", timeout: giveUp.timeIntervalSinceNow) {
                companion.steps.withLock { $0.filter(\.signalled).count } == round
            }
        }
        #expect(companion.steps.withLock { $0.allSatisfy { $0.thread == "http-io-0" && !$0.stopping } })
    }

    @Test func theLoopWakesByTheDeadlineTheCompanionAsksFor() throws {
        let companion = RecordingCompanion { steps in
            steps.last!.stopping ? .finished : .by(MonotonicClock.milliseconds() + 20)
        }
        let server = try server(companion)
        defer {
            server.shutdown()
            server.waitUntilStopped()
        }
        // Twenty steps 20 ms apart, within 5 s; at the 1-s tick they would take 20 s.
        try waitUntil("twenty steps", timeout: 5) { companion.steps.withLock { $0.count } >= 20 }
    }

    /// Shutdown waits until the companion says it is finished; its steps until then know it is stopping.
    @Test func shutdownWaitsForTheCompanionToFinish() throws {
        let companion = RecordingCompanion { steps in
            steps.filter(\.stopping).count == 3 ? .finished : .by(MonotonicClock.milliseconds() + 5)
        }
        let server = try server(companion)
        server.shutdown()
        server.waitUntilStopped()
        let steps = companion.steps.withLock { $0 }
        #expect(steps.filter(\.stopping).count == 3)
        #expect(steps.last?.stopping == true)
    }
}
