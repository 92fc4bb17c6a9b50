import Foundation
import Locking

/// A fixed set of threads that run submitted jobs in FIFO order. Handlers may block here.
final class WorkerPool: Sendable {
    private struct Queue {
        var jobs: [@Sendable () -> Void] = []
        var head = 0
        var stopping = false
    }

    private let queue = GuardedState(Queue())

    init(threadCount: Int, name: String) {
        for index in 0..<max(1, threadCount) {
            let thread = Thread { [self] in
                Thread.current.name = "\(name)-\(index)"
                workLoop()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        queue.withLock(wake: .one) { $0.jobs.append(job) }
    }

    /// Lets queued jobs finish, then ends the threads.
    func stop() {
        queue.withLock(wake: .all) { $0.stopping = true }
    }

    private func workLoop() {
        while let job = nextJob() { job() }
    }

    /// The oldest queued job; nil once stopping with none left.
    private func nextJob() -> (@Sendable () -> Void)? {
        queue.waiting { queue in
            guard queue.head < queue.jobs.count else { return queue.stopping ? .finished(nil) : .untilWoken }
            let job = queue.jobs[queue.head]
            queue.head += 1
            if queue.head == queue.jobs.count {
                queue.jobs.removeAll(keepingCapacity: true)
                queue.head = 0
            }
            return .finished(job)
        }
    }
}
