/// The newest records, kept in memory as they were written, for the reader: while it keeps up it
/// takes them from here instead of reading back and re-checking what was just written (the file
/// reads and their CRCs were about half of the forwarder's work at 100,000 lines a second, on the
/// CPU that answers the devices). Holds every record from `start` to the log's written end, in
/// order.
///
/// They are held as a batch is sent, payloads end to end, and laid out so as each group is added:
/// by the thread that wrote it, a few records at a time, rather than by the reader, a batch at a
/// time. Taking a batch is then one copy of its payloads. Laid out by the reader, 2,000 records at
/// once, it was a 100 µs burst on the CPU the devices' requests wait for, and the full-load p99
/// follows such bursts (bench/README.md, eleventh session).
struct RecentRecords {
    /// Where the first record held starts (once all are taken: where the next one will).
    private(set) var start: LogPosition
    /// Encoded bytes held, headers included.
    private(set) var bytes = 0
    /// The records held and already taken (up to `taken`), as one batch; the taken part is
    /// dropped once it is at least half of what is there, so taking stays proportional to the take.
    private var held: RecordBatch
    private var taken = 0
    /// Per record held: the lines up to and including it, when it was appended, where it ends in the log.
    private var linesThrough: [Int] = []
    private var appendedAt: [Int64] = []
    private var ends: [LogPosition] = []

    init(start: LogPosition) {
        self.start = start
        held = RecordBatch(at: start)
    }

    var isEmpty: Bool { taken == held.count }

    /// A group of encoded records the log wrote at `position`, right after those held.
    mutating func add(_ encoded: [UInt8], at position: LogPosition) {
        if isEmpty { start = position }
        encoded.withUnsafeBytes { encoded in
            var offset = 0
            while offset < encoded.count {
                let fields = RecordFormat.header(
                    UnsafeRawBufferPointer(rebasing: encoded[offset..<offset + RecordFormat.headerBytes]))
                let payloadStart = offset + RecordFormat.headerBytes
                offset = payloadStart + fields.payloadLength
                let end = LogPosition(segment: position.segment, offset: position.offset + offset)
                held.append(
                    UnsafeRawBufferPointer(rebasing: encoded[payloadStart..<offset]), lineCount: fields.lineCount,
                    appendedAt: fields.appendedAt, end: end)
                linesThrough.append(held.lineCount)
                appendedAt.append(fields.appendedAt)
                ends.append(end)
            }
        }
        bytes += encoded.count
    }

    /// Removes records from the front, as many as a read with these limits takes.
    mutating func take(maxBytes: Int, maxLines: Int) -> RecordBatch {
        guard !isEmpty else { return RecordBatch(at: start) }
        let payloadBase = taken == 0 ? 0 : held.payloadEnds[taken - 1]
        let linesBase = taken == 0 ? 0 : linesThrough[taken - 1]
        // The rule a read from the files follows (`RecordBatch.takes`).
        var last = taken
        while last + 1 < held.count,
            RecordBatch.takes(
                after: last - taken + 1, bytes: held.payloadEnds[last] - payloadBase,
                lines: linesThrough[last] - linesBase, next: held.payloadEnds[last + 1] - held.payloadEnds[last],
                maxBytes: maxBytes, maxLines: maxLines)
        {
            last += 1
        }
        let batch = RecordBatch(
            records: held, from: taken, through: last, lineCount: linesThrough[last] - linesBase,
            firstAppendedAt: appendedAt[taken], end: ends[last])
        taken = last + 1
        bytes -= batch.encodedBytes
        start = ends[last]
        if isEmpty {
            held = RecordBatch(at: start)
            taken = 0
            linesThrough.removeAll(keepingCapacity: true)
            appendedAt.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
        } else if taken * 2 >= held.count {
            dropTaken()
        }
        return batch
    }

    /// Keeps only the records not yet taken.
    private mutating func dropTaken() {
        let lines = linesThrough[taken - 1]
        held = RecordBatch(
            records: held, from: taken, through: held.count - 1, lineCount: held.lineCount - lines,
            firstAppendedAt: appendedAt[taken], end: held.end)
        linesThrough = linesThrough[taken...].map { $0 - lines }
        appendedAt.removeFirst(taken)
        ends.removeFirst(taken)
        taken = 0
    }
}
