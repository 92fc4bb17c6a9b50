import Glibc

public enum SecureRandom {
    /// Bytes from the kernel's CSPRNG (`/dev/urandom`). Traps if it cannot be read: no token or
    /// salt may ever be made from weaker randomness.
    public static func bytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        precondition(fd >= 0, "cannot open /dev/urandom: errno \(errno)")
        defer { close(fd) }
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, count - filled) }
            precondition(got > 0 || errno == EINTR, "cannot read /dev/urandom: errno \(errno)")
            filled += max(0, got)
        }
        return bytes
    }
}
