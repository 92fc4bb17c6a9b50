import Foundation
import Locking
import Testing

@Suite struct GuardedStateTests {
    /// A waiter sleeps until another thread's change makes its condition true, and sees that change.
    @Test func aWaiterWakesForTheChangeItWaitsFor() {
        let queue = GuardedState<[Int]>([])
        let taken = GuardedState<[Int]>([])
        let consumer = Thread {
            for _ in 0..<3 {
                let item = queue.waiting { items in items.isEmpty ? .untilWoken : .finished(items.removeFirst()) }
                taken.withLock(wake: .all) { $0.append(item) }
            }
        }
        consumer.start()
        for item in 1...3 { queue.withLock(wake: .one) { $0.append(item) } }
        let seen = taken.waiting { items in items.count == 3 ? .finished(items) : .untilWoken }
        #expect(seen == [1, 2, 3])
    }

    /// A deadline ends the wait with the state as it is; nothing else woke it.
    @Test func aDeadlineEndsTheWait() {
        let state = GuardedState(false)
        let deadline = Date().addingTimeInterval(0.05)
        let outcome = state.waiting { ready in
            if ready { return .finished("woken") }
            return Date() >= deadline ? .finished("deadline") : .until(deadline)
        }
        #expect(outcome == "deadline")
    }

    /// Many threads changing the state under the lock lose no change.
    @Test func changesUnderTheLockAreNeverLost() {
        let counter = GuardedState(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<10_000 { counter.withLock { $0 += 1 } }
        }
        #expect(counter.withLock { $0 } == 80_000)
    }
}
