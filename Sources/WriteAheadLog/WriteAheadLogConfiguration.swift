public struct WriteAheadLogConfiguration: Sendable {
    public var directory: String
    /// A new segment file starts once the current one passes this size.
    public var segmentBytes = 8 << 20
    /// Appended but unconfirmed bytes (headers included) the log may hold; past it, appends fail `.full`.
    public var maxBufferedBytes = 256 << 20
    /// fsync before an append returns. Off: the append returns once the bytes are in the page cache,
    /// which survives a crash of the process but not of the machine.
    public var fsync = true
    /// The newest records are also kept in memory, up to this many bytes (headers included), for a
    /// consumer that keeps up to take without reading the files back; one further behind reads the
    /// files until it catches up. 0: always read the files.
    public var memoryBytes = 8 << 20

    public init(directory: String) { self.directory = directory }
}
