import Foundation
import Glibc

/// The segment files behind the log: `<id>.wal` (20-digit ids, so names sort). The reader's place is
/// in `CheckpointFile`.
extension WriteAheadLog {
    static func path(of segment: UInt64, in directory: String) -> String {
        let digits = String(segment)
        return directory + "/" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".wal"
    }

    static func segmentIDs(in directory: String) -> [UInt64] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { $0.hasSuffix(".wal") ? UInt64($0.dropLast(4)) : nil }.sorted()
    }

    /// With `durable`, the directory is synced so the new name survives a machine crash too. Without
    /// it (fsync off) it is not: that sync commits the file system's journal, which flushes every
    /// dirty page of the log first and stalled the appending I/O thread for up to 250 ms.
    static func createSegment(_ id: UInt64, in directory: String, durable: Bool) throws(WriteAheadLogError)
        -> Int32
    {
        let fd = open(path(of: id, in: directory), O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io("cannot create segment \(id): \(String(cString: strerror(errno)))") }
        if durable { syncDirectory(directory) }
        return fd
    }

    static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        Glibc.close(fd)
    }

    struct SegmentScan {
        var end = 0
        var bufferedBytes = 0
        var bufferedLines = 0
        var bufferedRecords = 0
        var truncatedBytes = 0
        var corruptBytes = 0
    }

    /// Validates a segment record by record. A bad tail of the last segment is a write the crash cut
    /// short (never acknowledged) and is truncated; bad bytes in older segments are skipped.
    static func scan(
        segment: UInt64, in directory: String, countingFrom start: LogPosition, isLast: Bool
    ) throws(WriteAheadLogError) -> SegmentScan {
        let path = path(of: segment, in: directory)
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { Glibc.close(fd) }
        var info = stat()
        fstat(fd, &info)
        let size = Int(info.st_size)
        var scan = SegmentScan()
        var firstBad: Int?  // start of a run of complete records whose checksums failed
        var header = [UInt8](repeating: 0, count: RecordFormat.headerBytes)
        while scan.end + RecordFormat.headerBytes <= size {
            guard preadFully(fd, &header, at: scan.end) else { break }
            let fields = header.withUnsafeBytes { RecordFormat.header($0) }
            guard fields.payloadLength <= size - scan.end - RecordFormat.headerBytes else { break }
            var payload = [UInt8](repeating: 0, count: fields.payloadLength)
            guard preadFully(fd, &payload, at: scan.end + RecordFormat.headerBytes) else { break }
            let valid = header.withUnsafeBytes { headerBytes in
                payload.withUnsafeBytes { RecordFormat.isValid(header: fields, headerBytes: headerBytes, payload: $0) }
            }
            let position = LogPosition(segment: segment, offset: scan.end)
            scan.end += RecordFormat.headerBytes + fields.payloadLength
            guard valid else {
                firstBad = firstBad ?? position.offset
                continue
            }
            if let bad = firstBad {
                scan.corruptBytes += position.offset - bad  // damaged records with good ones after them
                firstBad = nil
            }
            if position >= start {
                scan.bufferedBytes += RecordFormat.headerBytes + fields.payloadLength
                scan.bufferedLines += fields.lineCount
                scan.bufferedRecords += 1
            }
        }
        let goodEnd = firstBad ?? scan.end
        if goodEnd < size {
            if isLast {
                // Bad bytes running to the end of the newest segment: a write the crash cut short.
                scan.truncatedBytes = size - goodEnd
                _ = ftruncate(fd, off_t(goodEnd))
                fsync(fd)
            } else {
                scan.corruptBytes += size - goodEnd
            }
            scan.end = goodEnd
        }
        return scan
    }

    /// Reads records in `start..<end` in order, up to the limits (at least one record). The file is
    /// read in chunks that double (from 64 KiB), not two `pread`s per record: with one-line records
    /// a batch is thousands of them, and the syscalls made the forwarder's burst long enough to show
    /// in the devices' p99. Nor in one read of `maxBytes`: a batch is usually cut by its lines, and
    /// with a backlog that read copied 2 MiB to use a tenth of it.
    static func readRecords(
        segment: UInt64, in directory: String, from start: Int, to end: Int, maxBytes: Int, maxLines: Int
    ) throws(WriteAheadLogError) -> RecordBatch {
        let path = path(of: segment, in: directory)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { Glibc.close(fd) }
        // `buffer` holds the file from `start` on; `load` extends it when a record needs more.
        var buffer: [UInt8] = []
        func load(upTo needed: Int) -> Bool {
            guard needed > buffer.count else { return true }
            guard needed <= end - start else { return false }
            let firstNew = buffer.count
            let wanted = min(end - start, max(needed, 2 * firstNew, 64 << 10))
            buffer += repeatElement(0, count: wanted - firstNew)
            return preadFully(fd, &buffer, from: firstNew, at: start + firstNew)
        }
        var batch = RecordBatch(at: LogPosition(segment: segment, offset: start))
        var relative = 0
        while start + relative < end {
            guard load(upTo: relative + RecordFormat.headerBytes) else {
                throw .io("cannot read \(path) at \(start + relative)")
            }
            let fields = buffer.withUnsafeBytes {
                RecordFormat.header(
                    UnsafeRawBufferPointer(rebasing: $0[relative..<relative + RecordFormat.headerBytes]))
            }
            let payloadStart = relative + RecordFormat.headerBytes
            let next = payloadStart + fields.payloadLength
            guard start + next <= end else {
                throw .io("record at \(path):\(start + relative) runs past the durable end")
            }
            guard batch.takes(payloadLength: fields.payloadLength, maxBytes: maxBytes, maxLines: maxLines) else {
                break
            }
            guard load(upTo: next) else { throw .io("cannot read \(path) at \(start + relative)") }
            let valid = buffer.withUnsafeBytes {
                RecordFormat.isValid(
                    header: fields, headerBytes: UnsafeRawBufferPointer(rebasing: $0[relative..<payloadStart]),
                    payload: UnsafeRawBufferPointer(rebasing: $0[payloadStart..<next]))
            }
            defer { relative = next }
            guard valid else { continue }  // counted as corrupt at start-up; never delivered
            buffer.withUnsafeBytes {
                batch.append(
                    UnsafeRawBufferPointer(rebasing: $0[payloadStart..<next]), lineCount: fields.lineCount,
                    appendedAt: fields.appendedAt, end: LogPosition(segment: segment, offset: start + next))
            }
        }
        return batch
    }

    static func appendedAt(segment: UInt64, offset: Int, in directory: String) -> Int64? {
        let fd = open(path(of: segment, in: directory), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var header = [UInt8](repeating: 0, count: RecordFormat.headerBytes)
        guard preadFully(fd, &header, at: offset) else { return nil }
        return header.withUnsafeBytes { RecordFormat.header($0).appendedAt }
    }

    /// Fills `buffer[from...]` from the file at `offset`.
    static func preadFully(_ fd: Int32, _ buffer: inout [UInt8], from first: Int = 0, at offset: Int) -> Bool {
        buffer.withUnsafeMutableBytes { whole in
            let bytes = UnsafeMutableRawBufferPointer(rebasing: whole[first...])
            return repeatUntilDone(bytes.count) { done in
                pread(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            }
        }
    }

    static func pwriteFully(_ fd: Int32, _ bytes: [UInt8], at offset: Int) -> Bool {
        bytes.withUnsafeBytes { buffer in
            repeatUntilDone(buffer.count) { done in
                pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            }
        }
    }

    /// Repeats a positional read or write (`step`, given the bytes done so far) until `count` bytes are
    /// done, retrying interruptions; false on an error or the end of the file.
    private static func repeatUntilDone(_ count: Int, _ step: (_ done: Int) -> Int) -> Bool {
        var done = 0
        while done < count {
            let moved = step(done)
            if moved < 0 && errno == EINTR { continue }
            guard moved > 0 else { return false }
            done += moved
        }
        return true
    }

    static func wallClockMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
