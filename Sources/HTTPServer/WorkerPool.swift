import Foundation

/// A fixed set of threads that run submitted jobs in FIFO order. Handlers may block here.
final class WorkerPool: Sendable {
    private let condition = NSCondition()
    nonisolated(unsafe) private var jobs: [@Sendable () -> Void] = []
    nonisolated(unsafe) private var head = 0
    nonisolated(unsafe) private var stopping = false

    init(threadCount: Int, name: String) {
        for index in 0..<max(1, threadCount) {
            let thread = Thread { [self] in workLoop() }
            thread.name = "\(name)-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets queued jobs finish, then ends the threads.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func workLoop() {
        while true {
            condition.lock()
            while head == jobs.count && !stopping { condition.wait() }
            if head == jobs.count {
                condition.unlock()
                return
            }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.unlock()
            job()
        }
    }
}
