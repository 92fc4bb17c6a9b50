/// What start-up found on disk.
public struct WriteAheadLogRecovery: Sendable, Equatable {
    public var records = 0
    public var lines = 0
    /// Bytes cut from the end of the last segment: a write the crash interrupted, never acknowledged.
    public var truncatedBytes = 0
    /// Bytes skipped inside older segments because their checksums failed.
    public var corruptBytes = 0
}
