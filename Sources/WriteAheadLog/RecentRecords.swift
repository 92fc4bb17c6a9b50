/// The newest records, kept in memory as they were written, for the reader: while it keeps up it
/// takes them from here instead of reading back and re-checking what was just written (the file
/// reads and their CRCs were about half of the forwarder's work at 100,000 lines a second, on the
/// CPU that answers the devices). Holds every record from `start` to the log's written end, in
/// order, as the groups the log wrote (kept by reference, not copied).
struct RecentRecords {
    /// Where the first record held starts (once all are taken: where the next one will).
    private(set) var start: LogPosition
    /// Encoded bytes held, headers included.
    private(set) var bytes = 0
    private var groups: [Group] = []
    /// Bytes of the first group already taken.
    private var taken = 0

    private struct Group {
        let start: LogPosition
        let encoded: [UInt8]
    }

    init(start: LogPosition) { self.start = start }

    var isEmpty: Bool { groups.isEmpty }

    /// A group of encoded records the log wrote at `position`, right after those held.
    mutating func add(_ encoded: [UInt8], at position: LogPosition) {
        if groups.isEmpty { start = position }
        groups.append(Group(start: position, encoded: encoded))
        bytes += encoded.count
    }

    /// Removes records from the front, as many as a read with these limits takes.
    mutating func take(maxBytes: Int, maxLines: Int) -> RecordBatch {
        var batch = RecordBatch(at: start)
        var finishedGroups = 0
        for group in groups {
            group.encoded.withUnsafeBytes { encoded in
                while taken < encoded.count {
                    let fields = RecordFormat.header(
                        UnsafeRawBufferPointer(rebasing: encoded[taken..<taken + RecordFormat.headerBytes]))
                    guard batch.takes(payloadLength: fields.payloadLength, maxBytes: maxBytes, maxLines: maxLines)
                    else { break }
                    let payloadStart = taken + RecordFormat.headerBytes
                    let next = payloadStart + fields.payloadLength
                    batch.append(
                        UnsafeRawBufferPointer(rebasing: encoded[payloadStart..<next]), lineCount: fields.lineCount,
                        appendedAt: fields.appendedAt,
                        end: LogPosition(segment: group.start.segment, offset: group.start.offset + next))
                    bytes -= next - taken
                    taken = next
                }
            }
            guard taken == group.encoded.count else { break }
            finishedGroups += 1
            taken = 0
        }
        groups.removeFirst(finishedGroups)
        if let next = groups.first {
            start = LogPosition(segment: next.start.segment, offset: next.start.offset + taken)
        } else {
            start = batch.end
        }
        return batch
    }
}
