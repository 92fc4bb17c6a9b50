import Glibc
import Synchronization

/// Stamps readings on receipt, in nanoseconds, never handing out the same timestamp twice.
///
/// InfluxDB treats measurement + tags + timestamp as one point, so two readings of one sensor in one
/// request need distinct times or one would overwrite the other; and because the gateway, not
/// InfluxDB, picks the time, a resend of the same batch rewrites the same points.
public final class ReadingClock: Sendable {
    private let last = Mutex<Int64>(0)
    private let now: @Sendable () -> Int64

    public init(now: @escaping @Sendable () -> Int64 = ReadingClock.realTimeNanoseconds) { self.now = now }

    /// Reserves `count` consecutive nanosecond timestamps and returns the first.
    public func reserve(_ count: Int) -> Int64 {
        let current = now()
        return last.withLock { last in
            let first = max(current, last + 1)
            last = first + Int64(max(count, 1)) - 1
            return first
        }
    }

    public static let realTimeNanoseconds: @Sendable () -> Int64 = {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
