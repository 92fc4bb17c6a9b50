/// Consecutive records read back from the log, in order: their payloads end to end in one buffer
/// (records hold whole lines, so the forwarder sends it as it is) and what confirming them takes.
/// No object per record: a batch is thousands of one-line records, and reference counting and
/// freeing each one's slice was about a tenth of the forwarder's time.
public struct RecordBatch: Sendable {
    /// The records' payloads, end to end.
    public private(set) var payloads: [UInt8] = []
    /// Where each record's payload ends in `payloads`.
    public private(set) var payloadEnds: [Int] = []
    public private(set) var lineCount = 0
    /// Wall-clock milliseconds when the first record was appended.
    public private(set) var firstAppendedAt: Int64?
    /// The position just after the last record: confirming the batch releases everything before it.
    public private(set) var end: LogPosition
    /// The records' size in the log, headers included.
    private(set) var encodedBytes = 0

    /// An empty batch of the records from `position` on.
    public init(at position: LogPosition) { end = position }

    /// Records `first...last` of `records`, with what the caller knows of them (their lines, the
    /// first one's time, where the last ends): one copy of their payloads and of their ends.
    init(
        records: RecordBatch, from first: Int, through last: Int, lineCount: Int, firstAppendedAt: Int64,
        end: LogPosition
    ) {
        let base = first == 0 ? 0 : records.payloadEnds[first - 1]
        payloads = Array(records.payloads[base..<records.payloadEnds[last]])
        payloadEnds = records.payloadEnds[first...last].map { $0 - base }
        self.lineCount = lineCount
        self.firstAppendedAt = firstAppendedAt
        self.end = end
        encodedBytes = (last - first + 1) * RecordFormat.headerBytes + payloads.count
    }

    public var isEmpty: Bool { payloadEnds.isEmpty }
    public var count: Int { payloadEnds.count }

    public func payload(at index: Int) -> ArraySlice<UInt8> {
        payloads[(index == 0 ? 0 : payloadEnds[index - 1])..<payloadEnds[index]]
    }

    /// Whether a read limited to `maxBytes` of payload and `maxLines` lines takes a further record
    /// of `payloadLength` bytes: the first always, then more while under both limits, but none
    /// that would take the bytes past theirs. Reads from memory and from the files stop alike.
    func takes(payloadLength: Int, maxBytes: Int, maxLines: Int) -> Bool {
        Self.takes(
            after: count, bytes: payloads.count, lines: lineCount, next: payloadLength, maxBytes: maxBytes,
            maxLines: maxLines)
    }

    /// The same rule for a batch not built yet: `records` records of `bytes` and `lines` so far.
    static func takes(
        after records: Int, bytes: Int, lines: Int, next payloadLength: Int, maxBytes: Int, maxLines: Int
    ) -> Bool {
        records == 0 || (lines < maxLines && bytes + payloadLength <= maxBytes)
    }

    mutating func append(_ payload: UnsafeRawBufferPointer, lineCount: Int, appendedAt: Int64, end: LogPosition) {
        payloads.append(contentsOf: payload)
        payloadEnds.append(payloads.count)
        self.lineCount += lineCount
        firstAppendedAt = firstAppendedAt ?? appendedAt
        self.end = end
        encodedBytes += RecordFormat.headerBytes + payload.count
    }

    /// Adds the records read right after these.
    public mutating func append(_ next: RecordBatch) {
        guard !next.isEmpty else { return }
        let base = payloads.count
        payloads += next.payloads
        payloadEnds += next.payloadEnds.lazy.map { $0 + base }
        lineCount += next.lineCount
        firstAppendedAt = firstAppendedAt ?? next.firstAppendedAt
        end = next.end
        encodedBytes += next.encodedBytes
    }
}
