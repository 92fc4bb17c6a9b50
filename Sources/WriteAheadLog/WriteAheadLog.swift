public import Foundation
import Glibc
import Locking
import Synchronization

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
/// remembers the position across restarts. The newest records stay in memory too (`RecentRecords`),
/// so a consumer that keeps up never reads the files.
public final class WriteAheadLog: Sendable {
    public typealias Completion = @Sendable (Result<Void, WriteAheadLogError>) -> Void

    public let configuration: WriteAheadLogConfiguration
    public let recovery: WriteAheadLogRecovery

    /// What appenders, the committer, the reader and `close` share. Its waiters are the reader
    /// (for records to read) and `close`.
    private struct Shared {
        /// How far each segment may be read: written and, with fsync on, synced.
        var segmentEnds: [UInt64: Int] = [:]
        /// The segment appends go to, as far as readers know.
        var writeSegment: UInt64
        /// Records appended but not yet flushed, per appending thread: a short list (a thread per
        /// event loop, and workers that append and wait), looked along rather than hashed.
        var unflushed: [ThreadGroup] = []
        var unflushedBytes = 0
        /// Flushed records waiting for the committer (fsync on).
        var queued = PendingGroup()
        var bufferedBytes = 0
        var bufferedLines = 0
        /// A waiting reader is woken only once this much is buffered.
        var readerWants = (lines: 1, bytes: 1)
        var confirmed: LogPosition
        /// What the reader takes without reading a file; nil while it is too far behind.
        var recent: RecentRecords?
        /// Reads served from the segment files.
        var fileReads = 0
        var closing = false
        var appends = 0
        var syncs = 0
        /// Time the committer spent in write + fdatasync: with `syncs`, the disk's time per sync
        /// under the load the log really has.
        var syncNanoseconds: UInt64 = 0

        /// Where `thread`'s unflushed records are, a place made for them if it has none.
        mutating func unflushedIndex(of thread: pthread_t) -> Int {
            if let index = unflushed.firstIndex(where: { $0.thread == thread }) { return index }
            unflushed.append(ThreadGroup(thread: thread))
            return unflushed.count - 1
        }

        /// `thread`'s unflushed records, taken out (nil if it appended none since its last flush).
        mutating func takeUnflushed(of thread: pthread_t) -> PendingGroup? {
            guard let index = unflushed.firstIndex(where: { $0.thread == thread }) else { return nil }
            let group = unflushed.remove(at: index).group
            unflushedBytes -= group.bytes.count
            return group
        }
    }

    /// The committer's wake-ups, apart from `shared` so appends never wake the reader needlessly.
    private struct CommitRequests {
        var requested = false
        var stopping = false
    }

    private let shared: GuardedState<Shared>
    private let commits = GuardedState(CommitRequests())
    /// Taken by whichever thread writes (see `SegmentWriter`); never while it waits for `shared`.
    private let writer: Mutex<SegmentWriter>
    private let checkpoint: CheckpointFile
    private let committerDone = DispatchSemaphore(value: 0)

    /// An append's completion. A struct, not the bare closure: a closure kept in an array is stored
    /// generically, wrapped in a reabstraction thunk (an allocation per append) on the way in.
    private struct Waiter {
        let complete: Completion
    }

    /// One thread's records not yet flushed.
    private struct ThreadGroup {
        let thread: pthread_t
        var group = PendingGroup()
    }

    /// Records encoded back to back, and their appenders.
    private struct PendingGroup {
        var bytes: [UInt8] = []
        var lines = 0
        var completions: [Waiter] = []

        /// Encodes one record at the end (in place: the group is not copied); returns its size.
        mutating func add(
            _ payload: [UInt8], lineCount: Int, appendedAt: Int64, completion: @escaping Completion
        ) -> Int {
            let start = bytes.count
            RecordFormat.encode(payload, lineCount: lineCount, appendedAt: appendedAt, into: &bytes)
            lines += lineCount
            completions.append(Waiter(complete: completion))
            return bytes.count - start
        }

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
        checkpoint = try CheckpointFile(directory: directory)
        var start = checkpoint.position ?? LogPosition(segment: ids.first ?? 1, offset: 0)
        if !ids.contains(start.segment) {
            start = LogPosition(segment: ids.first { $0 > start.segment } ?? 0, offset: 0)
        }
        // New appends always go to a fresh segment, so recovered segments are never written again.
        let writeSegment = (ids.last ?? 0) + 1
        var state = Shared(
            writeSegment: writeSegment,
            confirmed: ids.isEmpty ? LogPosition(segment: writeSegment, offset: 0) : start)
        var recovery = WriteAheadLogRecovery()
        for id in ids {
            let scan = try Self.scan(segment: id, in: directory, countingFrom: start, isLast: id == ids.last)
            state.segmentEnds[id] = scan.end
            state.bufferedBytes += scan.bufferedBytes
            state.bufferedLines += scan.bufferedLines
            recovery.records += scan.bufferedRecords
            recovery.lines += scan.bufferedLines
            recovery.truncatedBytes += scan.truncatedBytes
            recovery.corruptBytes += scan.corruptBytes
        }
        self.recovery = recovery
        state.segmentEnds[writeSegment] = 0
        if configuration.memoryBytes > 0 {
            state.recent = RecentRecords(start: LogPosition(segment: writeSegment, offset: 0))
        }
        shared = GuardedState(state)
        writer = Mutex(
            SegmentWriter(
                segment: writeSegment,
                fd: try Self.createSegment(writeSegment, in: directory, durable: configuration.fsync),
                directory: directory, segmentBytes: configuration.segmentBytes, durable: configuration.fsync))
        if configuration.fsync {
            let thread = Thread { [self] in
                Thread.current.name = "wal-committer"
                commitLoop()
            }
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
        let refused = shared.withLock { state -> WriteAheadLogError? in
            if let refused = refusal(adding: RecordFormat.headerBytes + payload.count, to: state) { return refused }
            state.unflushedBytes += state.unflushed[state.unflushedIndex(of: thread)].group.add(
                payload, lineCount: lineCount, appendedAt: Self.wallClockMilliseconds(), completion: completion)
            return nil
        }
        if let refused { completion(.failure(refused)) }
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
        let thread = pthread_self()
        // With fsync off the write happens under `shared`'s lock: concurrent flushes then reach the
        // file in the order they publish, so a segment's readable end only ever grows.
        let outcome = shared.update { state -> (FlushOutcome, Wake) in
            guard let group = state.takeUnflushed(of: thread) else { return (.nothing, .none) }
            if state.closing { return (.completed(group, .failure(.closed)), .none) }
            if configuration.fsync {
                state.queued.add(group)
                return (.queued, .none)
            }
            switch writer.withLock({ $0.append(group.bytes) }) {
            case .success(let written):
                return (.completed(group, .success(())), publish(group, at: written, in: &state))
            case .failure(let error): return (.completed(group, .failure(error)), .none)
            }
        }
        switch outcome {
        case .nothing: break
        case .queued: commits.withLock(wake: .one) { $0.requested = true }
        case .completed(let group, let result): for waiter in group.completions { waiter.complete(result) }
        }
    }

    private enum FlushOutcome {
        case nothing
        /// Handed to the committer (fsync on).
        case queued
        case completed(PendingGroup, Result<Void, WriteAheadLogError>)
    }

    /// Why `count` more bytes cannot be taken, if they cannot.
    private func refusal(adding count: Int, to state: Shared) -> WriteAheadLogError? {
        if state.closing { return .closed }
        let held = state.bufferedBytes + state.unflushedBytes + state.queued.bytes.count
        guard held + count <= configuration.maxBufferedBytes else {
            return .full(limit: configuration.maxBufferedBytes)
        }
        return nil
    }

    /// After the group was written: its records become readable and count as buffered. Wakes the
    /// reader once it has what it waits for.
    private func publish(_ group: PendingGroup, at written: SegmentWriter.Written, in state: inout Shared) -> Wake {
        state.writeSegment = written.segment
        state.segmentEnds[written.segment] = written.end
        state.bufferedBytes += group.bytes.count
        state.bufferedLines += group.lines
        state.appends += group.completions.count
        if let held = state.recent?.bytes {
            if held + group.bytes.count <= configuration.memoryBytes {
                state.recent?.add(
                    group.bytes, at: LogPosition(segment: written.segment, offset: written.end - group.bytes.count))
            } else {
                state.recent = nil  // the reader is far behind: it reads the files until it catches up
            }
        }
        let wanted = state.bufferedLines >= state.readerWants.lines || state.bufferedBytes >= state.readerWants.bytes
        return wanted ? .all : .none
    }

    private func commitLoop() {
        while true {
            let stopping = commits.waiting { requests -> Waiting<Bool> in
                guard requests.requested || requests.stopping else { return .untilWoken }
                requests.requested = false
                return .finished(requests.stopping)
            }
            let group = shared.withLock { state in
                defer { state.queued = PendingGroup() }
                return state.queued
            }
            if group.completions.isEmpty {
                if stopping { break }
                continue
            }
            // Written and synced outside `shared`'s lock: appenders and the reader go on meanwhile.
            let started = DispatchTime.now().uptimeNanoseconds
            let written = writer.withLock { $0.append(group.bytes) }
            let elapsed = DispatchTime.now().uptimeNanoseconds - started
            shared.update { state in
                state.syncs += 1
                state.syncNanoseconds += elapsed
                guard case .success(let at) = written else { return ((), .none) }
                return ((), publish(group, at: at, in: &state))
            }
            let result = written.map { _ in () }
            for waiter in group.completions { waiter.complete(result) }
        }
        committerDone.signal()
    }

    // MARK: Reading and confirming (one consumer)

    /// Where reading starts after a restart: the first unconfirmed record.
    public var confirmedPosition: LogPosition { shared.withLock { $0.confirmed } }

    /// Lines written and not yet confirmed: `status.bufferedLines` without reading any file.
    public var bufferedLines: Int { shared.withLock { $0.bufferedLines } }

    /// Reads records from `position` in order, up to the limits (at least one record when any is
    /// there): from memory when `position` is where the recent records start, else from the segment
    /// files. Waits for data until `deadline`; returns empty at the deadline or once closed and drained.
    public func read(
        from position: LogPosition, maxBytes: Int, maxLines: Int, until deadline: Date
    ) throws(WriteAheadLogError) -> RecordBatch {
        let source = shared.waiting { state -> Waiting<ReadSource> in
            let cursor = Self.normalised(position, in: state)
            let end = state.segmentEnds[cursor.segment] ?? 0
            // Everything from the recent records' start on is in them: no file holds more.
            let recentAtCursor = state.recent.map { Self.normalised($0.start, in: state) == cursor } ?? false
            if recentAtCursor, state.recent?.isEmpty == false {
                return .finished(.answered(state.recent!.take(maxBytes: maxBytes, maxLines: maxLines)))
            }
            if !recentAtCursor && end > cursor.offset { return .finished(.file(cursor, end: end)) }
            if (state.closing && state.queued.completions.isEmpty) || Date() >= deadline {
                return .finished(.answered(RecordBatch(at: position)))
            }
            return .until(deadline)
        }
        let cursor: LogPosition
        let end: Int
        switch source {
        case .answered(let batch): return batch
        case .file(let position, let readableEnd): (cursor, end) = (position, readableEnd)
        }
        let batch = try Self.readRecords(
            segment: cursor.segment, in: configuration.directory, from: cursor.offset, to: end, maxBytes: maxBytes,
            maxLines: maxLines)
        shared.withLock { state in
            state.fileReads += 1
            if !batch.isEmpty { resumeReadingFromMemory(after: batch.end, in: &state) }
        }
        return batch
    }

    private enum ReadSource {
        /// Taken from memory, or nothing there by the deadline.
        case answered(RecordBatch)
        /// To be read from this segment file, up to its readable end.
        case file(LogPosition, end: Int)
    }

    /// After a read from the files that ended at `end`: the recent records are dropped if the reader
    /// went past their start (it re-read older records), and kept from `end` on once it has caught
    /// up with everything written.
    private func resumeReadingFromMemory(after end: LogPosition, in state: inout Shared) {
        guard configuration.memoryBytes > 0 else { return }
        let end = Self.normalised(end, in: state)
        if let recentStart = state.recent.map({ Self.normalised($0.start, in: state) }), end > recentStart {
            state.recent = nil
        }
        let written = LogPosition(segment: state.writeSegment, offset: state.segmentEnds[state.writeSegment] ?? 0)
        if state.recent == nil && end == written { state.recent = RecentRecords(start: end) }
    }

    /// Waits until at least `lines` lines or `bytes` bytes are buffered (unconfirmed), the log
    /// closes, or `deadline` passes. Appends wake the reader only when that is reached.
    public func waitForBuffered(lines: Int, bytes: Int, until deadline: Date) {
        shared.withLock { $0.readerWants = (lines, bytes) }
        shared.waiting { state -> Waiting<Void> in
            let enough = state.bufferedLines >= lines || state.bufferedBytes >= bytes
            if enough || state.closing || Date() >= deadline {
                state.readerWants = (1, 1)
                return .finished(())
            }
            return .until(deadline)
        }
    }

    /// A position at the end of a finished segment moves to the start of the next one.
    private static func normalised(_ position: LogPosition, in state: Shared) -> LogPosition {
        var position = position
        while position.segment != state.writeSegment, position.offset >= (state.segmentEnds[position.segment] ?? 0),
            let next = state.segmentEnds.keys.filter({ $0 > position.segment }).min()
        {
            position = LogPosition(segment: next, offset: 0)
        }
        return position
    }

    /// Releases records after delivery: the buffer shrinks, and fully delivered segments are deleted.
    public func confirm(_ batch: RecordBatch) {
        guard !batch.isEmpty else { return }
        let finished = shared.withLock { state in
            state.confirmed = batch.end
            state.bufferedBytes -= batch.encodedBytes
            state.bufferedLines -= batch.lineCount
            let finished = state.segmentEnds.keys.filter { $0 < batch.end.segment }
            for id in finished { state.segmentEnds[id] = nil }
            return finished
        }
        for id in finished { unlink(Self.path(of: id, in: configuration.directory)) }
        checkpoint.write(batch.end)
    }

    public var status: WriteAheadLogStatus {
        let (snapshot, position, end) = shared.withLock { state in
            let position = Self.normalised(state.confirmed, in: state)
            let status = WriteAheadLogStatus(
                bufferedBytes: state.bufferedBytes, bufferedLines: state.bufferedLines, oldestAppendedAt: nil,
                segments: state.segmentEnds.count, appends: state.appends, syncs: state.syncs,
                syncSeconds: Double(state.syncNanoseconds) / 1e9, fileReads: state.fileReads)
            return (status, position, state.segmentEnds[position.segment] ?? 0)
        }
        var status = snapshot
        if end > position.offset {
            status.oldestAppendedAt = Self.appendedAt(
                segment: position.segment, offset: position.offset, in: configuration.directory)
        }
        return status
    }

    /// Refuses further appends, fails those never flushed, and lets the committer finish the pending
    /// sync. Unconfirmed records stay on disk.
    public func close() {
        let (alreadyClosing, abandoned) = shared.withLock(wake: .all) { state in
            defer {
                state.closing = true
                state.unflushed = []
                state.unflushedBytes = 0
            }
            return (state.closing, state.unflushed.flatMap(\.group.completions))
        }
        for waiter in abandoned { waiter.complete(.failure(.closed)) }
        guard !alreadyClosing else { return }
        commits.withLock(wake: .one) { $0.stopping = true }
        committerDone.wait()
        writer.withLock { $0.close() }
    }
}
