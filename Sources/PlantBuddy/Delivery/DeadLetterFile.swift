import Foundation
import Glibc

/// Lines InfluxDB refused for good (malformed, type conflicts), kept with the server's reason, one
/// JSON object per line in `dead-letter.jsonl`, so an operator can inspect and replay them.
final class DeadLetterFile: Sendable {
    let path: String

    init(path: String) { self.path = path }

    struct Entry: Encodable {
        let time: String
        let status: Int?
        let reason: String
        let line: String
    }

    /// Appends and fsyncs before returning: the line leaves the log only once it is kept here.
    func append(line: String, status: Int?, reason: String) throws {
        let entry = Entry(time: ISO8601DateFormatter().string(from: Date()), status: status, reason: reason, line: line)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(entry)
        data.append(UInt8(ascii: "\n"))
        let fd = open(path, O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(fd) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(fd) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
