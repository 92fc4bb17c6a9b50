import Foundation
import Synchronization
import TestSupport
import Testing

@testable import WriteAheadLog

private func temporaryDirectory() -> String {
    ScratchDirectory.path("wal")
}

private func open(_ directory: String, _ configure: (inout WriteAheadLogConfiguration) -> Void = { _ in }) throws
    -> WriteAheadLog
{
    var configuration = WriteAheadLogConfiguration(directory: directory)
    configure(&configuration)
    return try WriteAheadLog(configuration: configuration)
}

/// Reads everything available from `position` without waiting, as one batch.
private func readAll(_ log: WriteAheadLog, from position: LogPosition) throws -> RecordBatch {
    var all = RecordBatch(at: position)
    while case let batch = try log.read(from: all.end, maxBytes: 1 << 20, maxLines: 1 << 20, until: Date()),
        !batch.isEmpty
    {
        all.append(batch)
    }
    return all
}

/// The first record from `position`, alone.
private func readOne(_ log: WriteAheadLog, from position: LogPosition) throws -> RecordBatch {
    try log.read(from: position, maxBytes: 1 << 20, maxLines: 1, until: Date())
}

private func text(_ batch: RecordBatch) -> [String] {
    (0..<batch.count).map { String(decoding: batch.payload(at: $0), as: UTF8.self) }
}

@Suite struct WriteAheadLogTests {
    @Test func concurrentAppendsShareSyncsAndAllReadBackInOrderPerWriter() throws {
        let log = try open(temporaryDirectory())
        defer { log.close() }
        let group = DispatchGroup()
        for writer in 0..<8 {
            group.enter()
            Thread.detachNewThread {
                for index in 0..<100 { try? log.append(Array("w\(writer) \(index)\n".utf8), lineCount: 1) }
                group.leave()
            }
        }
        group.wait()
        let records = try readAll(log, from: log.confirmedPosition)
        #expect(records.count == 800)
        for writer in 0..<8 {
            let mine = text(records).filter { $0.hasPrefix("w\(writer) ") }
            #expect(mine == (0..<100).map { "w\(writer) \($0)\n" })
        }
        let status = log.status
        #expect(status.appends == 800 && status.bufferedLines == 800)
        #expect(status.syncs < status.appends, "group commit should share fsyncs: \(status.syncs) syncs")
        // Every sync took some time, and no sync took all of the test's.
        #expect(status.syncSeconds > 0 && status.syncSeconds / Double(status.syncs) < 1)
    }

    /// One thread issuing appends without waiting and flushing once (as an I/O thread does per
    /// batch) gets every completion, in append order, from far fewer syncs than appends.
    @Test func appendsWithoutWaitingCompleteTogetherInOrder() throws {
        let log = try open(temporaryDirectory())
        defer { log.close() }
        let completed = Mutex<[Int]>([])
        let done = DispatchGroup()
        for index in 0..<300 {
            done.enter()
            log.append(Array("r\(index)\n".utf8), lineCount: 1) { result in
                if case .success = result { completed.withLock { $0.append(index) } }
                done.leave()
            }
        }
        log.flush()
        done.wait()
        #expect(completed.withLock { $0 } == Array(0..<300))
        #expect(text(try readAll(log, from: log.confirmedPosition)) == (0..<300).map { "r\($0)\n" })
        let status = log.status
        #expect(status.appends == 300)
        #expect(status.syncs < 100, "one sync should cover many appends: \(status.syncs) syncs")
    }

    /// With fsync off an I/O thread's appends wait for its own flush, which writes them together:
    /// another thread flushing does not complete them, and nothing is readable before.
    @Test func withoutFsyncAppendsAreWrittenByTheirThreadsFlush() throws {
        let log = try open(temporaryDirectory()) { $0.fsync = false }
        defer { log.close() }
        let completed = Mutex<[Int]>([])
        for index in 0..<3 {
            log.append(Array("r\(index)\n".utf8), lineCount: 1) { result in
                if case .success = result { completed.withLock { $0.append(index) } }
            }
        }
        let otherThread = Thread { log.flush() }
        otherThread.start()
        while !otherThread.isFinished { usleep(1000) }
        #expect(completed.withLock { $0 }.isEmpty)
        #expect(try readAll(log, from: log.confirmedPosition).isEmpty)
        log.flush()
        #expect(completed.withLock { $0 } == [0, 1, 2])
        #expect(text(try readAll(log, from: log.confirmedPosition)) == ["r0\n", "r1\n", "r2\n"])
        #expect(log.status.appends == 3 && log.status.syncs == 0)
    }

    /// The standard check value, and the definition itself (one bit at a time) for every length up
    /// to 80 bytes and every split of them: the eight-byte steps and the byte-wise tail agree with it,
    /// so records written by earlier versions (zlib's `crc32`) still verify.
    @Test func crc32IsTheIEEEChecksumAtEveryLengthAndSplit() {
        let digits = Array("123456789".utf8)
        #expect(digits.withUnsafeBytes { CRC32.checksum($0) } == 0xCBF4_3926)
        func bitwise(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var crc = UInt32.max
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
            }
            return ~crc
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<80).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for count in 0...bytes.count {
            let whole = bytes[..<count]
            #expect(whole.withUnsafeBytes { CRC32.checksum($0) } == bitwise(whole), "\(count) bytes")
            for split in stride(from: 0, through: count, by: 3) {
                let first = bytes[..<split].withUnsafeBytes { CRC32.checksum($0) }
                #expect(
                    bytes[split..<count].withUnsafeBytes { CRC32.checksum($0, continuing: first) } == bitwise(whole))
            }
        }
    }

    @Test func unconfirmedRecordsSurviveARestart() throws {
        let directory = temporaryDirectory()
        var log = try open(directory)
        for value in ["a", "b", "c"] { try log.append(Array(value.utf8), lineCount: 2) }
        log.confirm(try readOne(log, from: log.confirmedPosition))
        // What the forwarder reads to tell whether it keeps up, without touching a file.
        #expect(log.bufferedLines == 4)
        log.close()

        log = try open(directory)
        defer { log.close() }
        #expect(log.recovery.records == 2 && log.recovery.lines == 4 && log.recovery.truncatedBytes == 0)
        #expect(text(try readAll(log, from: log.confirmedPosition)) == ["b", "c"])
        #expect(log.status.bufferedLines == 4)
        #expect(log.status.oldestAppendedAt != nil)
    }

    /// The checkpoint says where a restart resumes. One that does not check out (garbled in a crash)
    /// re-sends everything still on disk rather than skip anything; earlier versions' line is read.
    @Test func aRestartResumesAtTheCheckpointAndADamagedOneReSendsRatherThanSkips() throws {
        let directory = temporaryDirectory()
        let log = try open(directory)
        for value in ["a", "b", "c"] { try log.append(Array(value.utf8), lineCount: 1) }
        let first = try readOne(log, from: log.confirmedPosition)
        #expect(text(first) == ["a"])
        log.confirm(first)
        log.close()
        let path = directory + "/checkpoint"
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written.utf8.count == 51 && written.hasSuffix("\n"))

        func restarted() throws -> [String] {
            let log = try open(directory)
            defer { log.close() }
            return text(try readAll(log, from: log.confirmedPosition))
        }
        #expect(try restarted() == ["b", "c"])
        var garbled = Array(written.utf8)
        garbled[39] = garbled[39] == UInt8(ascii: "9") ? UInt8(ascii: "8") : garbled[39] + 1  // the offset's last digit
        try Data(garbled).write(to: URL(fileURLWithPath: path))
        #expect(try restarted() == ["a", "b", "c"])
        try Data("\(first.end.segment) \(first.end.offset)\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try restarted() == ["b", "c"])
    }

    /// A crash mid-write leaves a partial record at the end: it was never acknowledged, so it is cut.
    @Test func tornTailIsTruncatedOnRecovery() throws {
        let directory = temporaryDirectory()
        var log = try open(directory)
        try log.append(Array("kept".utf8), lineCount: 1)
        log.close()
        let segment = try #require(
            try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasSuffix(".wal") })
        let handle = try #require(FileHandle(forWritingAtPath: directory + "/" + segment))
        handle.seekToEndOfFile()
        handle.write(Data([9, 0, 0, 0, 1, 0, 0, 0, 1, 2, 3]))  // a header cut short
        handle.closeFile()

        log = try open(directory)
        defer { log.close() }
        #expect(log.recovery.truncatedBytes == 11)
        #expect(text(try readAll(log, from: log.confirmedPosition)) == ["kept"])
    }

    @Test func corruptRecordInAnOlderSegmentIsSkipped() throws {
        let directory = temporaryDirectory()
        var log = try open(directory)
        for value in ["first", "second", "third"] { try log.append(Array(value.utf8), lineCount: 1) }
        log.close()
        let segment = try #require(
            try FileManager.default.contentsOfDirectory(atPath: directory).sorted().first { $0.hasSuffix(".wal") })
        var bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + segment))
        bytes[20 + 5 + 20] ^= 0xff  // flip a bit in the second payload
        try bytes.write(to: URL(fileURLWithPath: directory + "/" + segment))

        log = try open(directory)
        defer { log.close() }
        #expect(log.recovery.corruptBytes == 20 + 6 && log.recovery.truncatedBytes == 0)
        #expect(text(try readAll(log, from: log.confirmedPosition)) == ["first", "third"])
        #expect(log.status.bufferedLines == 2)
    }

    @Test func fullBufferRefusesAppendsUntilRecordsAreConfirmed() throws {
        let log = try open(temporaryDirectory()) { $0.maxBufferedBytes = 100 }
        defer { log.close() }
        try log.append([UInt8](repeating: 1, count: 40), lineCount: 1)  // 60 bytes with its header
        #expect(throws: WriteAheadLogError.full(limit: 100)) {
            try log.append([UInt8](repeating: 2, count: 40), lineCount: 1)
        }
        log.confirm(try readAll(log, from: log.confirmedPosition))
        try log.append([UInt8](repeating: 3, count: 40), lineCount: 1)
        #expect(log.status.bufferedBytes == 60)
    }

    @Test func confirmedSegmentsAreDeleted() throws {
        let directory = temporaryDirectory()
        let log = try open(directory) { $0.segmentBytes = 64 }
        defer { log.close() }
        for index in 0..<10 { try log.append(Array("record number \(index)".utf8), lineCount: 1) }
        let segments = {
            try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".wal") }.count
        }
        #expect(try segments() >= 5)
        let records = try readAll(log, from: log.confirmedPosition)
        #expect(text(records) == (0..<10).map { "record number \($0)" })
        log.confirm(records)
        #expect(try segments() == 1)
        #expect(log.status.bufferedBytes == 0 && log.status.oldestAppendedAt == nil)
    }

    /// A reader that keeps up takes the newest records from memory and never reads a file; one that
    /// falls further behind than `memoryBytes` reads the files until it has caught up, then memory
    /// again. Either way it gets what a read of the files alone gets, ending at the same positions.
    @Test func aReaderKeepingUpReadsFromMemoryAndOneFarBehindFromTheFiles() throws {
        let directory = temporaryDirectory()
        let settings: (inout WriteAheadLogConfiguration) -> Void = {
            $0.fsync = false
            $0.memoryBytes = 200
            $0.segmentBytes = 128
        }
        var log = try open(directory, settings)
        func append(_ values: Range<Int>) {
            for value in values {
                log.append(Array("r\(value)".utf8), lineCount: 1) { _ in }
                log.flush()
            }
        }
        let start = log.confirmedPosition
        append(0..<3)
        let firstTwo = try log.read(from: start, maxBytes: 1 << 20, maxLines: 2, until: Date())
        #expect(text(firstTwo) == ["r0", "r1"])
        var everything = firstTwo
        everything.append(try readAll(log, from: firstTwo.end))
        #expect(log.status.fileReads == 0)

        append(3..<20)  // 17 records of 22-23 bytes: more than 200 bytes behind
        everything.append(try readAll(log, from: everything.end))
        let fileReads = log.status.fileReads
        #expect(fileReads > 0)
        append(20..<26)  // 138 bytes, over a segment's end
        everything.append(try readAll(log, from: everything.end))
        #expect(log.status.fileReads == fileReads)
        #expect(text(everything) == (0..<26).map { "r\($0)" })

        let fromFiles = try readAll(log, from: start)
        #expect(text(fromFiles) == text(everything) && fromFiles.end == everything.end)
        log.confirm(firstTwo)
        log.close()
        log = try open(directory, settings)
        defer { log.close() }
        #expect(text(try readAll(log, from: log.confirmedPosition)) == (2..<26).map { "r\($0)" })
    }

    /// The reader's batches taken from memory are the ones the same reads take from the files,
    /// down to their line counts, first times, ends and sizes (confirming them releases exactly
    /// what was buffered), whatever groups the records were written in and whichever limit stops a read.
    @Test func readsFromMemoryTakeWhatTheSameReadsTakeFromTheFiles() throws {
        let directory = temporaryDirectory()
        var log = try open(directory) { $0.fsync = false }
        let start = log.confirmedPosition
        for (group, lineCounts) in [[1, 2, 3], [2], [1], [3, 1], [1, 1, 1, 1], [2]].enumerated() {
            for (index, lines) in lineCounts.enumerated() {
                log.append(Array("group \(group) record \(index)".utf8), lineCount: lines) { _ in }
            }
            log.flush()
        }
        let limits: [(maxBytes: Int, maxLines: Int)] = [
            (1 << 20, 4), (40, 100), (1 << 20, 1), (1, 1), (1 << 20, 3), (1 << 20, 100),
        ]
        func reads(_ log: WriteAheadLog) throws -> [RecordBatch] {
            var position = start
            return try limits.map { limit in
                let batch = try log.read(
                    from: position, maxBytes: limit.maxBytes, maxLines: limit.maxLines, until: Date())
                position = batch.end
                return batch
            }
        }
        func summary(_ batch: RecordBatch) -> String {
            "\(text(batch)) \(batch.lineCount) \(batch.firstAppendedAt ?? -1) \(batch.end) \(batch.encodedBytes)"
        }
        let fromMemory = try reads(log)
        #expect(log.status.fileReads == 0)
        #expect(fromMemory.map(\.count) == [3, 2, 1, 1, 3, 2])
        log.close()
        log = try open(directory) { $0.fsync = false }
        defer { log.close() }
        let fromFiles = try reads(log)
        #expect(log.status.fileReads > 0)
        #expect(fromMemory.map(summary) == fromFiles.map(summary))
        for batch in fromFiles { log.confirm(batch) }
        #expect(log.status.bufferedBytes == 0 && log.status.bufferedLines == 0)
    }

    @Test func readWaitsForAnAppend() throws {
        let log = try open(temporaryDirectory())
        defer { log.close() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { try? log.append(Array("late".utf8), lineCount: 1) }
        let records = try log.read(
            from: log.confirmedPosition, maxBytes: 100, maxLines: 100, until: Date().addingTimeInterval(10))
        #expect(text(records) == ["late"])
    }
}
