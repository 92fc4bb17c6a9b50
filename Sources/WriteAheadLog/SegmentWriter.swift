import Glibc

/// The segment file being appended to, and how far it is written. One writer at a time: the
/// committer thread with fsync on, the flushing thread with fsync off.
struct SegmentWriter {
    let directory: String
    let segmentBytes: Int
    /// Sync every write (fsync on).
    let durable: Bool
    private(set) var segment: UInt64
    private var fd: Int32
    private var end = 0

    init(segment: UInt64, fd: Int32, directory: String, segmentBytes: Int, durable: Bool) {
        self.segment = segment
        self.fd = fd
        self.directory = directory
        self.segmentBytes = segmentBytes
        self.durable = durable
    }

    /// Where a successful append left the log: the segment it went to and that segment's end.
    struct Written {
        let segment: UInt64
        let end: Int
    }

    /// Writes `bytes` at the end of the current segment, first moving to a new one when they would
    /// overfill it, and syncs when durable. A failed write leaves no partial record behind.
    mutating func append(_ bytes: [UInt8]) -> Result<Written, WriteAheadLogError> {
        if end > 0 && end + bytes.count > segmentBytes {
            do throws(WriteAheadLogError) {
                let next = try WriteAheadLog.createSegment(segment + 1, in: directory, durable: durable)
                close()
                fd = next
                segment += 1
                end = 0
            } catch {
                return .failure(error)
            }
        }
        let start = end
        guard WriteAheadLog.pwriteFully(fd, bytes, at: start), !durable || fdatasync(fd) == 0 else {
            let error = WriteAheadLogError.io("cannot write segment \(segment): \(String(cString: strerror(errno)))")
            _ = ftruncate(fd, off_t(start))
            return .failure(error)
        }
        end = start + bytes.count
        return .success(Written(segment: segment, end: end))
    }

    mutating func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }
}
