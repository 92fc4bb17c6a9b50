import Foundation
import Glibc

/// Writes a whole file so that readers see either the old or the new contents, even across a crash.
enum AtomicFile {
    static func write(_ data: Data, to path: String, mode: mode_t) throws(AtomicFileError) {
        let temporary = path + ".tmp.\(getpid())"
        let fd = open(temporary, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, mode)
        guard fd >= 0 else { throw AtomicFileError(description: "cannot create \(temporary): errno \(errno)") }
        let written = data.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let count = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        let synced = fsync(fd) == 0
        close(fd)
        guard written, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw AtomicFileError(description: "cannot write \(path): errno \(errno)")
        }
        let directory = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }
}

/// Why a file could not be replaced, naming the file and the errno.
struct AtomicFileError: Error, CustomStringConvertible {
    let description: String
}
