import Glibc

/// The reader's place in the log, `checkpoint` beside the segments: one fixed-width line,
/// `<segment> <offset> <crc>\n` (20 digits, 20 digits, 8 hex digits of the CRC-32 of the two numbers
/// and their space), rewritten in place by one `pwrite` per delivered batch.
///
/// Neither synced nor renamed into place, on purpose: a checkpoint lost or garbled in a crash (its
/// checksum fails) makes reading start at the oldest segment again, and re-sending rewrites the same
/// points (the gateway stamped their times), so nothing is lost or duplicated. Written through
/// Foundation (which fsyncs every file it writes) and renamed, it took 40 % of the forwarder's time,
/// in bursts that device requests sharing the CPU waited behind.
final class CheckpointFile: Sendable {
    private static let fieldsBytes = 20 + 1 + 20
    private static let lineBytes = fieldsBytes + 1 + 8 + 1

    private let path: String
    private let fd: Int32

    init(directory: String) throws(WriteAheadLogError) {
        path = directory + "/checkpoint"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Where reading resumes; nil when there is no checkpoint or it does not check out. Also reads
    /// the line earlier versions wrote (`<segment> <offset>\n`, replaced whole by rename).
    var position: LogPosition? {
        var bytes = [UInt8](repeating: 0, count: Self.lineBytes + 1)
        let count = pread(fd, &bytes, bytes.count, 0)
        guard count > 0 else { return nil }
        let line = bytes[..<count]
        guard line.last == UInt8(ascii: "\n") else { return nil }
        let fields = line.dropLast().split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        switch fields.count {
        case 2 where count < Self.lineBytes:
            return Self.position(fields[0], fields[1])
        case 3 where count == Self.lineBytes:
            let checked = line.prefix(Self.fieldsBytes)
            guard let crc = UInt32(String(decoding: fields[2], as: UTF8.self), radix: 16),
                crc == checked.withUnsafeBytes({ CRC32.checksum($0) })
            else { return nil }
            return Self.position(fields[0], fields[1])
        default:
            return nil
        }
    }

    /// Best effort: if it fails, a restart re-sends from the last checkpoint that was written.
    func write(_ position: LogPosition) {
        var line = Self.padded(String(position.segment), to: 20) + [UInt8(ascii: " ")]
        line += Self.padded(String(position.offset), to: 20)
        let crc = line.withUnsafeBytes { CRC32.checksum($0) }
        line += [UInt8(ascii: " ")] + Self.padded(String(crc, radix: 16), to: 8) + [UInt8(ascii: "\n")]
        _ = pwrite(fd, line, line.count, 0)
    }

    private static func padded(_ digits: String, to width: Int) -> [UInt8] {
        [UInt8](repeating: UInt8(ascii: "0"), count: max(0, width - digits.utf8.count)) + Array(digits.utf8)
    }

    private static func position(_ segment: ArraySlice<UInt8>, _ offset: ArraySlice<UInt8>) -> LogPosition? {
        guard let segment = UInt64(String(decoding: segment, as: UTF8.self)),
            let offset = Int(String(decoding: offset, as: UTF8.self))
        else { return nil }
        return LogPosition(segment: segment, offset: offset)
    }
}
