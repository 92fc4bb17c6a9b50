internal import CSystemLinux
import Glibc

/// A count of changes shared between processes through an 8-byte file. Writers bump it after
/// replacing the file it guards (under that file's lock); readers map it and compare it on every
/// lookup with one memory read instead of a system call.
final class ChangeCounter: Sendable {
    /// The mapped count; nil when the file cannot be mapped (readers then always check the file).
    private nonisolated(unsafe) let mapping: UnsafeMutableRawPointer?

    /// Maps the count for reading, creating the file when it is missing.
    init(path: String) { mapping = Self.map(path) }

    deinit {
        if let mapping { munmap(mapping, 8) }
    }

    var current: UInt64? { mapping.map { load_shared_counter($0) } }

    /// Adds one. False when the file cannot be written: readers then notice the change only by
    /// their periodic check of the guarded file.
    @discardableResult
    static func bump(path: String) -> Bool {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var count: UInt64 = 0
        _ = pread(fd, &count, 8, 0)  // a new file reads as nothing: 0
        count &+= 1
        return pwrite(fd, &count, 8, 0) == 8
    }

    private static func map(_ path: String) -> UnsafeMutableRawPointer? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size >= 8 || ftruncate(fd, 8) == 0 else { return nil }
        let address = mmap(nil, 8, PROT_READ, MAP_SHARED, fd, 0)
        return address == MAP_FAILED ? nil : address
    }
}
