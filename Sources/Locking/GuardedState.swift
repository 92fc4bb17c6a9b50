public import Foundation

/// State shared between threads that some of them wait on: one lock, one condition variable, and
/// the state itself, reachable only with the lock held. Where nobody waits, use `Mutex`.
///
/// Every wait re-checks its condition in a loop after waking, so spurious wake-ups and wakes meant
/// for another waiter are harmless; a change that a waiter may be waiting for asks for a wake.
public final class GuardedState<State>: @unchecked Sendable {
    private let condition = NSCondition()
    private var state: State

    public init(_ state: State) { self.state = state }

    /// Runs `body` with the lock held, then wakes the waiters `wake` names.
    public func withLock<Result, Failure: Error>(
        wake: Wake = .none, _ body: (inout State) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        condition.lock()
        defer {
            switch wake {
            case .none: break
            case .one: condition.signal()
            case .all: condition.broadcast()
            }
            condition.unlock()
        }
        return try body(&state)
    }

    /// Runs `body` with the lock held; `body` says whom its change wakes (a change that may or may
    /// not be what a waiter waits for).
    public func update<Result>(_ body: (inout State) -> (result: Result, wake: Wake)) -> Result {
        condition.lock()
        defer { condition.unlock() }
        let (result, wake) = body(&state)
        switch wake {
        case .none: break
        case .one: condition.signal()
        case .all: condition.broadcast()
        }
        return result
    }

    /// Holds the lock and asks `step` what to do, waiting (lock released meanwhile) as long as it
    /// says to; returns what it finishes with. `step` sees the state fresh after every wake.
    public func waiting<Result>(_ step: (inout State) -> Waiting<Result>) -> Result {
        condition.lock()
        defer { condition.unlock() }
        while true {
            switch step(&state) {
            case .finished(let result): return result
            case .untilWoken: condition.wait()
            case .until(let deadline): _ = condition.wait(until: deadline)
            }
        }
    }
}

/// What a `GuardedState.waiting` step decides.
public enum Waiting<Result> {
    case finished(Result)
    /// Sleep until a change wakes this thread.
    case untilWoken
    /// Sleep until a change wakes this thread or the deadline passes, whichever comes first.
    case until(Date)
}

/// Which waiters a change wakes.
public enum Wake: Sendable {
    case none
    /// One waiter: any one of them can take the change (a job queued, a request to commit).
    case one
    /// Every waiter: the change matters to each (shutdown, data several readers look for).
    case all
}
