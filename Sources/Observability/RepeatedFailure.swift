import Glibc
import Synchronization

/// One kind of failure that can repeat many times a second (a full disk refusing every write, a
/// scanner trying tokens): logged the first time with its context, then only counted, with one
/// line every `interval` saying how many more there were, and one line when it clears. The count
/// of every occurrence stays the metric's job.
public final class RepeatedFailure: Sendable {
    private struct Window {
        var started: UInt64 = 0
        var repeats = 0
    }

    private let logger: Logger
    private let level: LogLevel
    private let message: String
    private let intervalNanoseconds: UInt64
    /// Checked first on every success, so clearing costs one load when nothing failed.
    private let active = Atomic<Bool>(false)
    private let window = Mutex(Window())

    public init(logger: Logger, level: LogLevel, message: String, interval: Duration) {
        self.logger = logger
        self.level = level
        self.message = message
        let (seconds, attoseconds) = interval.components
        intervalNanoseconds = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    /// One occurrence. The first is logged with `fields`; later ones are counted, and the first
    /// after each `interval` logs how many there were, with its own `fields`.
    public func record(_ fields: KeyValuePairs<String, String>, now: UInt64 = MonotonicClock.nanoseconds()) {
        let line: (repeats: Int, seconds: UInt64)? = window.withLock { window in
            if !active.load(ordering: .relaxed) {
                active.store(true, ordering: .relaxed)
                window = Window(started: now, repeats: 0)
                return (0, 0)
            }
            window.repeats += 1
            guard now &- window.started >= intervalNanoseconds else { return nil }
            defer { window = Window(started: now, repeats: 0) }
            return (window.repeats, (now &- window.started) / 1_000_000_000)
        }
        guard let line else { return }
        var all = Array(fields.map { ($0.key, $0.value) })
        if line.repeats > 0 { all.append(("repeated", "\(line.repeats) times in \(line.seconds)s")) }
        logger.log(level, message, all)
    }

    /// The failure has stopped (an occurrence of the opposite, such as a write kept): says so once,
    /// with how many went unlogged since the last line.
    public func cleared() {
        guard active.load(ordering: .relaxed) else { return }
        let repeats: Int? = window.withLock { window in
            guard active.exchange(false, ordering: .relaxed) else { return nil }
            return window.repeats
        }
        guard let repeats else { return }
        logger.log(.info, message + ": cleared", [("unlogged_repeats", String(repeats))])
    }
}
