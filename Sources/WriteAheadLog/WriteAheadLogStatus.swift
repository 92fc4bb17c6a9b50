public import Foundation

public struct WriteAheadLogStatus: Sendable, Equatable {
    public var bufferedBytes: Int
    public var bufferedLines: Int
    /// Wall-clock milliseconds when the oldest unconfirmed record was appended.
    public var oldestAppendedAt: Int64?
    public var segments: Int
    public var appends: Int
    public var syncs: Int
    /// Seconds spent writing and syncing those groups (0 with fsync off).
    public var syncSeconds: Double

    /// Seconds since the oldest unconfirmed record was appended; 0 when nothing waits.
    public func oldestAgeSeconds(now: Date = Date()) -> Double {
        oldestAppendedAt.map { max(0, now.timeIntervalSince1970 - Double($0) / 1000) } ?? 0
    }
}
