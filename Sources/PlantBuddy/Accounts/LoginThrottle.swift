import Foundation
import Synchronization

/// Limits failed sign-ins per user name and per client address: after `limit` failures within
/// `window`, further attempts are refused (429) until the window has passed. Success clears the
/// name's count. Memory is bounded: expired entries go, and at most `capacity` keys are kept.
final class LoginThrottle: Sendable {
    private struct Entry {
        var failures: Int
        var windowStart: Date
    }

    let limit: Int
    let window: TimeInterval
    private let capacity = 100_000
    private let entries = Mutex<[String: Entry]>([:])

    init(limit: Int, window: Duration) {
        self.limit = limit
        self.window = Double(window.components.seconds)
    }

    /// Seconds until `keys` may try again, or nil if they may now.
    func retryAfter(_ keys: [String], now: Date = Date()) -> Int? {
        entries.withLock { entries in
            let waits = keys.compactMap { key -> Int? in
                guard let entry = entries[key], entry.failures >= limit else { return nil }
                let remaining = entry.windowStart.addingTimeInterval(window).timeIntervalSince(now)
                return remaining > 0 ? Int(remaining.rounded(.up)) : nil
            }
            return waits.max()
        }
    }

    func recordFailure(_ keys: [String], now: Date = Date()) {
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { now.timeIntervalSince($0.value.windowStart) < window }
                if entries.count >= capacity { entries.removeAll() }  // under a flood, forget rather than grow
            }
            for key in keys {
                var entry = entries[key] ?? Entry(failures: 0, windowStart: now)
                if now.timeIntervalSince(entry.windowStart) >= window { entry = Entry(failures: 0, windowStart: now) }
                entry.failures += 1
                entries[key] = entry
            }
        }
    }

    func recordSuccess(_ key: String) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }
}
