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
    /// Reads the consumer made from the segment files: after a restart, or once it fell more than
    /// `memoryBytes` behind. While it keeps up it takes records from memory.
    public var fileReads: Int

    /// Seconds since the oldest unconfirmed record was appended; 0 when nothing waits.
    public func oldestAgeSeconds(now: Date = Date()) -> Double {
        oldestAppendedAt.map { max(0, now.timeIntervalSince1970 - Double($0) / 1000) } ?? 0
    }
}
