internal import CSystemLinux
import Glibc

/// A failed system call, with errno and its text captured where it happened.
public struct SocketError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32
    public var description: String {
        "\(operation) failed: \(String(validatingCString: strerror(code)) ?? "?") (errno \(code))"
    }

    static func last(_ operation: String) -> SocketError { SocketError(operation: operation, code: errno) }
}
