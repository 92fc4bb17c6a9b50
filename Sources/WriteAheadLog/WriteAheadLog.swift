public import Foundation
import Glibc

/// An append-only log of byte payloads in segment files, with group commit.
///
/// Appends never wait for the disk, and take effect when the appending thread calls `flush()` (an
/// I/O loop does at the end of each batch of requests, so one write covers the whole batch).
/// With fsync on, flushed records queue in memory and a single committer thread writes everything
/// queued with one `write` and one `fdatasync`, then completes those appends: concurrent requests
/// share a sync, and the appending thread never touches a file being synced, where a write could
/// stall on pages under writeback. With fsync off, `flush()` writes the thread's records itself and
/// completes them (page cache). One consumer reads the durable records in order and confirms them
/// once delivered; whole segments behind the confirmed position are deleted, and a checkpoint file
/// remembers the position across restarts.
public final class WriteAheadLog: @unchecked Sendable {
    public typealias Completion = @Sendable (Result<Void, WriteAheadLogError>) -> Void

    // Every mutable property below is guarded by `condition`, whose waiters are readers and `close`.
    private let condition = NSCondition()
    public let configuration: WriteAheadLogConfiguration
    public let recovery: WriteAheadLogRecovery

    /// How far each segment may be read: written and, with fsync on, synced.
    private var segmentEnds: [UInt64: Int] = [:]
    private var writeSegment: UInt64
    private var writeFD: Int32 = -1
    private var writtenEnd = 0
    /// Records appended but not yet flushed, per appending thread.
    private var unflushed: [pthread_t: PendingGroup] = [:]
    private var unflushedBytes = 0
    /// Flushed records waiting for the committer (fsync on).
    private var queued = PendingGroup()
    private var bufferedBytes = 0
    private var bufferedLines = 0
    /// A waiting reader is woken only once this much is buffered.
    private var readerWants = (lines: 1, bytes: 1)
    private var confirmed: LogPosition
    private var closing = false
    private var appends = 0
    private var syncs = 0

    /// The committer sleeps on its own condition, so appends never wake readers needlessly.
    private let commitSignal = NSCondition()
    private var commitRequested = false
    private var commitStopping = false
    private let committerDone = DispatchSemaphore(value: 0)

    /// Records encoded back to back, and their appenders.
    private struct PendingGroup {
        var bytes: [UInt8] = []
        var lines = 0
        var completions: [Completion] = []

        mutating func add(_ other: PendingGroup) {
            bytes += other.bytes
            lines += other.lines
            completions += other.completions
        }
    }

    public init(configuration: WriteAheadLogConfiguration) throws(WriteAheadLogError) {
        self.configuration = configuration
        let directory = configuration.directory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io("cannot create \(directory): \(error.localizedDescription)")
        }
        let ids = Self.segmentIDs(in: directory)
        var start = Self.readCheckpoint(directory) ?? LogPosition(segment: ids.first ?? 1, offset: 0)
        if !ids.contains(start.segment) {
            start = LogPosition(segment: ids.first { $0 > start.segment } ?? 0, offset: 0)
        }
        var recovery = WriteAheadLogRecovery()
        for id in ids {
            let scan = try Self.scan(segment: id, in: directory, countingFrom: start, isLast: id == ids.last)
            segmentEnds[id] = scan.end
            bufferedBytes += scan.bufferedBytes
            bufferedLines += scan.bufferedLines
            recovery.records += scan.bufferedRecords
            recovery.lines += scan.bufferedLines
            recovery.truncatedBytes += scan.truncatedBytes
            recovery.corruptBytes += scan.corruptBytes
        }
        self.recovery = recovery
        confirmed = start
        // New appends always go to a fresh segment, so recovered segments are never written again.
        writeSegment = (ids.last ?? 0) + 1
        writeFD = try Self.createSegment(writeSegment, in: directory, durable: configuration.fsync)
        segmentEnds[writeSegment] = 0
        if ids.isEmpty { confirmed = LogPosition(segment: writeSegment, offset: 0) }
        if configuration.fsync {
            let thread = Thread { [self] in commitLoop() }
            thread.name = "wal-committer"
            thread.start()
        } else {
            committerDone.signal()
        }
    }

    // MARK: Appending

    /// Appends one payload without blocking. `completion` runs once the record is durable, after
    /// this thread's next `flush()`: with fsync off during it (the bytes are in the page cache), with
    /// fsync on on the committer thread, after the sync that covers it. A refusal completes at once.
    public func append(_ payload: [UInt8], lineCount: Int, completion: @escaping Completion) {
        let thread = pthread_self()
        condition.lock()
        let refusal = refusal(adding: RecordFormat.headerBytes + payload.count)
        if refusal == nil {
            var group = unflushed.removeValue(forKey: thread) ?? PendingGroup()  // moved out: no copy
            let start = group.bytes.count
            RecordFormat.encode(
                payload, lineCount: lineCount, appendedAt: Self.wallClockMilliseconds(), into: &group.bytes)
            group.lines += lineCount
            group.completions.append(completion)
            unflushedBytes += group.bytes.count - start
            unflushed[thread] = group
        }
        condition.unlock()
        if let refusal { completion(.failure(refusal)) }
    }

    /// Appends and waits until the record is durable.
    public func append(_ payload: [UInt8], lineCount: Int) throws(WriteAheadLogError) {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<Void, WriteAheadLogError> = .success(())
        append(payload, lineCount: lineCount) {
            result = $0
            done.signal()
        }
        flush()
        done.wait()
        try result.get()
    }

    /// Hands on what this thread appended since its last flush: with fsync off writes it (one
    /// `write`) and completes those appends; with fsync on queues it and wakes the committer.
    public func flush() {
        condition.lock()
        guard let group = unflushed.removeValue(forKey: pthread_self()) else { return condition.unlock() }
        unflushedBytes -= group.bytes.count
        guard configuration.fsync, !closing else {
            let result = closing ? .failure(.closed) : writeAtEnd(group)
            condition.unlock()
            for completion in group.completions { completion(result) }
            return
        }
        queued.add(group)
        condition.unlock()
        commitSignal.lock()
        commitRequested = true
        commitSignal.signal()
        commitSignal.unlock()
    }

    /// Called with the lock held: why `count` more bytes cannot be taken, if they cannot.
    private func refusal(adding count: Int) -> WriteAheadLogError? {
        if closing { return .closed }
        guard bufferedBytes + unflushedBytes + queued.bytes.count + count <= configuration.maxBufferedBytes else {
            return .full(limit: configuration.maxBufferedBytes)
        }
        return nil
    }

    /// Called with the lock held (fsync off): writes the group and makes it readable.
    private func writeAtEnd(_ group: PendingGroup) -> Result<Void, WriteAheadLogError> {
        let result = nextSegmentIfFull(adding: group.bytes.count).flatMap { fd in
            if let fd { adopt(fd) }
            return writeToSegment(group.bytes)
        }
        if case .success = result { publish(group) }
        return result
    }

    /// A new segment file when `count` more bytes would overfill the current one; `adopt` it under the lock.
    private func nextSegmentIfFull(adding count: Int) -> Result<Int32?, WriteAheadLogError> {
        guard writtenEnd > 0 && writtenEnd + count > configuration.segmentBytes else { return .success(nil) }
        do throws(WriteAheadLogError) {
            return .success(
                try Self.createSegment(writeSegment + 1, in: configuration.directory, durable: configuration.fsync))
        } catch {
            return .failure(error)
        }
    }

    /// Called with the lock held.
    private func adopt(_ fd: Int32) {
        close(writeFD)
        writeSegment += 1
        writeFD = fd
        writtenEnd = 0
        segmentEnds[writeSegment] = 0
    }

    /// Writes at the end of the current segment, and syncs when the log is configured to. Only one
    /// thread writes: the appender holding the lock (fsync off) or the committer (fsync on).
    private func writeToSegment(_ bytes: [UInt8]) -> Result<Void, WriteAheadLogError> {
        let start = writtenEnd
        guard Self.pwriteFully(writeFD, bytes, at: start), !configuration.fsync || fdatasync(writeFD) == 0 else {
            let error = WriteAheadLogError.io(
                "cannot write segment \(writeSegment): \(String(cString: strerror(errno)))")
            _ = ftruncate(writeFD, off_t(start))  // leave no partial record behind
            return .failure(error)
        }
        writtenEnd = start + bytes.count
        return .success(())
    }

    /// Called with the lock held, after the group was written: its records become readable and count as buffered.
    private func publish(_ group: PendingGroup) {
        segmentEnds[writeSegment] = writtenEnd
        bufferedBytes += group.bytes.count
        bufferedLines += group.lines
        appends += group.completions.count
        if bufferedLines >= readerWants.lines || bufferedBytes >= readerWants.bytes { condition.broadcast() }
    }

    private func commitLoop() {
        while true {
            commitSignal.lock()
            while !commitRequested && !commitStopping { commitSignal.wait() }
            commitRequested = false
            let stopping = commitStopping
            commitSignal.unlock()

            condition.lock()
            let group = queued
            queued = PendingGroup()
            condition.unlock()
            if group.completions.isEmpty {
                if stopping { break }
                continue
            }
            // Written outside the lock: with fsync on only this thread writes, and readers go on meanwhile.
            let result = nextSegmentIfFull(adding: group.bytes.count).flatMap { fd in
                if let fd { withLock { adopt(fd) } }
                return writeToSegment(group.bytes)
            }
            condition.lock()
            syncs += 1
            if case .success = result { publish(group) }
            condition.unlock()
            for completion in group.completions { completion(result) }
        }
        committerDone.signal()
    }

    private func withLock(_ body: () -> Void) {
        condition.lock()
        body()
        condition.unlock()
    }

    // MARK: Reading and confirming (one consumer)

    /// Where reading starts after a restart: the first unconfirmed record.
    public var confirmedPosition: LogPosition {
        condition.lock()
        defer { condition.unlock() }
        return confirmed
    }

    /// Reads records from `position` in order, up to the limits (at least one record when any is
    /// there). Waits for data until `deadline`; returns empty at the deadline or once closed and drained.
    public func read(
        from position: LogPosition, maxBytes: Int, maxLines: Int, until deadline: Date
    ) throws(WriteAheadLogError) -> [LogRecord] {
        condition.lock()
        var cursor = position
        var end = 0
        while true {
            cursor = normalised(cursor)
            end = segmentEnds[cursor.segment] ?? 0
            if end > cursor.offset { break }
            if closing && queued.completions.isEmpty { break }
            if !condition.wait(until: deadline) { break }
        }
        condition.unlock()
        guard end > cursor.offset else { return [] }
        return try Self.readRecords(
            segment: cursor.segment, in: configuration.directory, from: cursor.offset, to: end, maxBytes: maxBytes,
            maxLines: maxLines)
    }

    /// Waits until at least `lines` lines or `bytes` bytes are buffered (unconfirmed), the log
    /// closes, or `deadline` passes. Appends wake the reader only when that is reached.
    public func waitForBuffered(lines: Int, bytes: Int, until deadline: Date) {
        condition.lock()
        readerWants = (lines, bytes)
        while bufferedLines < lines && bufferedBytes < bytes && !closing {
            if !condition.wait(until: deadline) { break }
        }
        readerWants = (1, 1)
        condition.unlock()
    }

    /// A position at the end of a finished segment moves to the start of the next one.
    private func normalised(_ position: LogPosition) -> LogPosition {
        var position = position
        while position.segment != writeSegment, position.offset >= (segmentEnds[position.segment] ?? 0),
            let next = segmentEnds.keys.filter({ $0 > position.segment }).min()
        {
            position = LogPosition(segment: next, offset: 0)
        }
        return position
    }

    /// Releases records after delivery: the buffer shrinks, and fully delivered segments are deleted.
    public func confirm(_ records: [LogRecord]) {
        guard let last = records.last else { return }
        let bytes = records.reduce(0) { $0 + RecordFormat.headerBytes + $1.payload.count }
        let lines = records.reduce(0) { $0 + $1.lineCount }
        condition.lock()
        confirmed = last.end
        bufferedBytes -= bytes
        bufferedLines -= lines
        let finished = segmentEnds.keys.filter { $0 < last.end.segment }
        for id in finished { segmentEnds[id] = nil }
        condition.unlock()
        for id in finished { unlink(Self.path(of: id, in: configuration.directory)) }
        Self.writeCheckpoint(last.end, in: configuration.directory)
    }

    public var status: WriteAheadLogStatus {
        condition.lock()
        let position = normalised(confirmed)
        let end = segmentEnds[position.segment] ?? 0
        var status = WriteAheadLogStatus(
            bufferedBytes: bufferedBytes, bufferedLines: bufferedLines, oldestAppendedAt: nil,
            segments: segmentEnds.count, appends: appends, syncs: syncs)
        condition.unlock()
        if end > position.offset {
            status.oldestAppendedAt = Self.appendedAt(
                segment: position.segment, offset: position.offset, in: configuration.directory)
        }
        return status
    }

    /// Refuses further appends, fails those never flushed, and lets the committer finish the pending
    /// sync. Unconfirmed records stay on disk.
    public func close() {
        condition.lock()
        let alreadyClosing = closing
        closing = true
        let abandoned = unflushed.values.flatMap(\.completions)
        unflushed = [:]
        unflushedBytes = 0
        condition.broadcast()
        condition.unlock()
        for completion in abandoned { completion(.failure(.closed)) }
        guard !alreadyClosing else { return }
        commitSignal.lock()
        commitStopping = true
        commitSignal.signal()
        commitSignal.unlock()
        committerDone.wait()
        condition.lock()
        close(writeFD)
        writeFD = -1
        condition.unlock()
    }

    private func close(_ fd: Int32) { if fd >= 0 { _ = Glibc.close(fd) } }
}
