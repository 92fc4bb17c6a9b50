/// One appended payload as read back, with its bookkeeping.
public struct LogRecord: Sendable {
    public var start: LogPosition
    /// The position just after this record: confirm through it to release the record.
    public var end: LogPosition
    public var lineCount: Int
    /// Wall-clock milliseconds when it was appended.
    public var appendedAt: Int64
    /// A slice of the bytes read for the whole batch, so records cost no copy each.
    public var payload: ArraySlice<UInt8>
}
