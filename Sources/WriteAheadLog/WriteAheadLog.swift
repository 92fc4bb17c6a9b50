public import Foundation
import Glibc

public struct WriteAheadLogConfiguration: Sendable {
    public var directory: String
    /// A new segment file starts once the current one passes this size.
    public var segmentBytes = 8 << 20
    /// Appended but unconfirmed bytes (headers included) the log may hold; past it, appends fail `.full`.
    public var maxBufferedBytes = 256 << 20
    /// fsync before an append returns. Off: the append returns once the bytes are in the page cache,
    /// which survives a crash of the process but not of the machine.
    public var fsync = true

    public init(directory: String) { self.directory = directory }
}

public enum WriteAheadLogError: Error, Equatable, Sendable, CustomStringConvertible {
    case full(limit: Int)
    case io(String)
    case closed

    public var description: String {
        switch self {
        case .full(let limit): "write buffer full (\(limit) bytes)"
        case .io(let message): message
        case .closed: "write-ahead log closed"
        }
    }
}

public struct WriteAheadLogStatus: Sendable, Equatable {
    public var bufferedBytes: Int
    public var bufferedLines: Int
    /// Wall-clock milliseconds when the oldest unconfirmed record was appended.
    public var oldestAppendedAt: Int64?
    public var segments: Int
    public var appends: Int
    public var syncs: Int

    /// Seconds since the oldest unconfirmed record was appended; 0 when nothing waits.
    public func oldestAgeSeconds(now: Date = Date()) -> Double {
        oldestAppendedAt.map { max(0, now.timeIntervalSince1970 - Double($0) / 1000) } ?? 0
    }
}

/// What start-up found on disk.
public struct WriteAheadLogRecovery: Sendable, Equatable {
    public var records = 0
    public var lines = 0
    /// Bytes cut from the end of the last segment: a write the crash interrupted, never acknowledged.
    public var truncatedBytes = 0
    /// Bytes skipped inside older segments because their checksums failed.
    public var corruptBytes = 0
}

/// An append-only log of byte payloads in segment files, with group commit.
///
/// Many threads append at once; a single committer thread writes everything pending with one
/// `write` and one `fdatasync`, then wakes all of those appenders: concurrent requests share a sync.
/// One consumer reads records in order and confirms them once delivered; whole segments behind the
/// confirmed position are deleted, and a checkpoint file remembers the position across restarts.
public final class WriteAheadLog: @unchecked Sendable {
    // Every mutable property below is guarded by `condition`.
    private let condition = NSCondition()
    public let configuration: WriteAheadLogConfiguration
    public let recovery: WriteAheadLogRecovery

    private var segmentEnds: [UInt64: Int] = [:]
    private var writeSegment: UInt64
    private var writeFD: Int32 = -1
    private var pending: [PendingAppend] = []
    private var reservedBytes = 0
    private var bufferedBytes = 0
    private var bufferedLines = 0
    private var confirmed: LogPosition
    private var closing = false
    private var appends = 0
    private var syncs = 0
    private let committerDone = DispatchSemaphore(value: 0)

    private final class PendingAppend {
        let payload: [UInt8]
        let lineCount: Int
        var result: Result<Void, WriteAheadLogError>?
        init(payload: [UInt8], lineCount: Int) {
            self.payload = payload
            self.lineCount = lineCount
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
        writeFD = try Self.createSegment(writeSegment, in: directory)
        segmentEnds[writeSegment] = 0
        if ids.isEmpty { confirmed = LogPosition(segment: writeSegment, offset: 0) }
        let thread = Thread { [self] in commitLoop() }
        thread.name = "wal-committer"
        thread.start()
    }

    // MARK: Appending

    /// Appends one payload and returns once it is durable (or in the page cache, with fsync off).
    public func append(_ payload: [UInt8], lineCount: Int) throws(WriteAheadLogError) {
        let entry = PendingAppend(payload: payload, lineCount: lineCount)
        let size = RecordFormat.headerBytes + payload.count
        condition.lock()
        defer { condition.unlock() }
        guard !closing else { throw .closed }
        guard bufferedBytes + reservedBytes + size <= configuration.maxBufferedBytes else {
            throw .full(limit: configuration.maxBufferedBytes)
        }
        reservedBytes += size
        pending.append(entry)
        condition.broadcast()
        while entry.result == nil { condition.wait() }
        if case .failure(let error) = entry.result { throw error }
    }

    private func commitLoop() {
        while true {
            condition.lock()
            while pending.isEmpty && !closing { condition.wait() }
            let batch = pending
            pending = []
            condition.unlock()
            if batch.isEmpty { break }  // closing, and nothing left to write

            var bytes: [UInt8] = []
            var lines = 0
            let now = Self.wallClockMilliseconds()
            for entry in batch {
                RecordFormat.encode(entry.payload, lineCount: entry.lineCount, appendedAt: now, into: &bytes)
                lines += entry.lineCount
            }
            let result = writeDurably(bytes)
            condition.lock()
            reservedBytes -= bytes.count
            if case .success = result {
                bufferedBytes += bytes.count
                bufferedLines += lines
                appends += batch.count
            }
            for entry in batch { entry.result = result }
            condition.broadcast()
            condition.unlock()
        }
        committerDone.signal()
    }

    /// Runs on the committer thread only; takes the lock just to publish the new end.
    private func writeDurably(_ bytes: [UInt8]) -> Result<Void, WriteAheadLogError> {
        condition.lock()
        var segment = writeSegment
        var fd = writeFD
        let offset = segmentEnds[segment] ?? 0
        condition.unlock()
        var start = offset
        if offset > 0 && offset + bytes.count > configuration.segmentBytes {
            do {
                let next = segment + 1
                fd = try Self.createSegment(next, in: configuration.directory)
                condition.lock()
                close(writeFD)
                writeSegment = next
                writeFD = fd
                segmentEnds[next] = 0
                condition.unlock()
                segment = next
                start = 0
            } catch {
                return .failure(error)
            }
        }
        let written = bytes.withUnsafeBytes { buffer -> Bool in
            var done = 0
            while done < buffer.count {
                let count = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(start + done))
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                done += count
            }
            return true
        }
        let synced = written && (!configuration.fsync || fdatasync(fd) == 0)
        guard written, synced else {
            let error = WriteAheadLogError.io("cannot write segment \(segment): \(String(cString: strerror(errno)))")
            _ = ftruncate(fd, off_t(start))  // leave no partial record behind
            return .failure(error)
        }
        condition.lock()
        segmentEnds[segment] = start + bytes.count
        if configuration.fsync { syncs += 1 }
        condition.unlock()
        return .success(())
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
            if closing && pending.isEmpty { break }
            if !condition.wait(until: deadline) { break }
        }
        condition.unlock()
        guard end > cursor.offset else { return [] }
        return try Self.readRecords(
            segment: cursor.segment, in: configuration.directory, from: cursor.offset, to: end, maxBytes: maxBytes,
            maxLines: maxLines)
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

    /// Writes what is pending, then refuses further appends. Unconfirmed records stay on disk.
    public func close() {
        condition.lock()
        let alreadyClosing = closing
        closing = true
        condition.broadcast()
        condition.unlock()
        guard !alreadyClosing else { return }
        committerDone.wait()
        condition.lock()
        close(writeFD)
        writeFD = -1
        condition.unlock()
    }

    private func close(_ fd: Int32) { if fd >= 0 { _ = Glibc.close(fd) } }
}
