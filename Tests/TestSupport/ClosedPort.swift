import Foundation
import Glibc

/// A loopback port bound but never listened on, held for the object's lifetime: connecting to it is
/// refused, and no other server can take it meanwhile.
public final class ClosedPort {
    public let port: UInt16
    private let fd: Int32

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw TestError("cannot bind a loopback port")
        }
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit { close(fd) }
}
