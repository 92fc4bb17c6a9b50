import Glibc

/// The monotonic clock, for durations and deadlines that wall-clock jumps cannot move. Read
/// directly: `DispatchTime.now()` reads the same clock through two more calls, and the request
/// path reads it several times a request.
public enum MonotonicClock {
    public static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    public static func milliseconds() -> UInt64 { nanoseconds() / 1_000_000 }
}
