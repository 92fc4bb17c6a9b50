import Foundation
import Glibc

/// Lines InfluxDB refused for good (malformed, type conflicts), kept with the server's reason, one
/// JSON object per line in `dead-letter.jsonl`, so an operator can inspect and replay them.
final class DeadLetterFile: Sendable {
    let path: String

    init(path: String) { self.path = path }

    /// One refused line and why.
    struct Refusal {
        let line: ArraySlice<UInt8>
        let status: Int?
        let reason: String
    }

    private struct Entry: Encodable {
        let time: String
        let status: Int?
        let reason: String
        let line: String
    }

    /// Appends every refusal with one write and fsyncs before returning: the lines leave the log
    /// only once they are kept here. All or none: a failed or short write is cut back off, so a
    /// retry after a failure never keeps a line twice.
    func append(_ refusals: [Refusal]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let time = ISO8601DateFormatter().string(from: Date())
        var data = Data()
        for refusal in refusals {
            let line = String(decoding: refusal.line, as: UTF8.self)
            data += try encoder.encode(Entry(time: time, status: refusal.status, reason: refusal.reason, line: line))
            data.append(UInt8(ascii: "\n"))
        }
        let fd = open(path, O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(fd) }
        let sizeBefore = lseek(fd, 0, SEEK_END)
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(fd) == 0 else {
            if sizeBefore >= 0 { _ = ftruncate(fd, sizeBefore) }
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
