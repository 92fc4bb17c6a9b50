import Glibc

/// Log lines of a thread that batches its work (an event loop) wait in that thread's buffer until
/// it calls `flush()` at the end of a round, so a round's lines cost one `write(2)`, never one a
/// request; every other thread's lines are written at once. Only a `Logger` writing to standard
/// error batches.
public enum LogBatch {
    /// One thread's pending lines, and the second its timestamps were last formatted for.
    final class Buffer {
        var bytes: [UInt8] = []
        var second: Int = -1
        var secondText: [UInt8] = []

        init() { bytes.reserveCapacity(64 * 1024) }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in if let pointer { Unmanaged<Buffer>.fromOpaque(pointer).release() } }
        return key
    }()

    /// From now on, this thread's lines wait for its `flush()`.
    public static func begin() {
        guard current == nil else { return }
        pthread_setspecific(key, Unmanaged.passRetained(Buffer()).toOpaque())
    }

    /// Writes this thread's waiting lines with one `write(2)`.
    public static func flush() {
        guard let buffer = current, !buffer.bytes.isEmpty else { return }
        writeAll(buffer.bytes)
        buffer.bytes.removeAll(keepingCapacity: true)
    }

    /// The calling thread's buffer, if it batches.
    static var current: Buffer? {
        guard let pointer = pthread_getspecific(key) else { return nil }
        return Unmanaged<Buffer>.fromOpaque(pointer).takeUnretainedValue()
    }

    static func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(STDERR_FILENO, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}
