import Foundation
import Glibc

/// A plain TCP client for tests: sends exact bytes and reads exact responses, so framing can be
/// checked byte for byte (including requests no real client library would send).
public final class RawConnection {
    public let fd: Int32

    public init(port: UInt16, host: String = "127.0.0.1", receiveTimeout: Double = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw TestError("connect to \(port) failed: errno \(errno)")
        }
        var timeout = timeval(
            tv_sec: Int(receiveTimeout), tv_usec: Int((receiveTimeout - Double(Int(receiveTimeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    private var buffer: [UInt8] = []

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw TestError("send failed: errno \(errno)") }
            offset += sent
        }
    }

    /// Reads one response. `forHead` means the request was HEAD: a Content-Length but no body.
    public func readResponse(forHead: Bool = false) throws -> RawResponse {
        while true {
            if let response = try RawResponse.parse(&buffer, forHead: forHead) { return response }
            guard try fill() else {
                throw TestError(
                    "connection closed before a full response; got \(String(decoding: buffer, as: UTF8.self).debugDescription)"
                )
            }
        }
    }

    /// True once the server has closed the connection (after any buffered bytes are drained).
    public func isClosedByPeer() -> Bool {
        (try? fill()) == false
    }

    /// Reads more bytes; false on orderly close. Throws on timeout.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer += chunk[0..<count]
            return true
        }
        if count == 0 || errno == ECONNRESET { return false }
        throw TestError("receive failed or timed out: errno \(errno)")
    }
}
