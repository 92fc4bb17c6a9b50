import Foundation
import Glibc
import Synchronization

/// A loopback SMTP server for tests: it speaks just enough of RFC 5321 (no STARTTLS offered) to take
/// messages, and records each envelope and message.
public final class FakeSMTPServer: Sendable {
    public struct Received: Sendable {
        public let from: String
        public let to: [String]
        public let data: String
    }

    public let port: UInt16
    private let fd: Int32
    private let received = Mutex<[Received]>([])

    public init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = self.fd
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw TestError("cannot listen for SMTP") }
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit { close(fd) }

    public var messages: [Received] { received.withLock { $0 } }

    private func acceptLoop() {
        while true {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            session(client)
            close(client)
        }
    }

    private func session(_ client: Int32) {
        var buffer: [UInt8] = []
        func send(_ line: String) {
            _ = Array((line + "\r\n").utf8).withUnsafeBytes {
                Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
        }
        func readLine() -> String? {
            while true {
                if let end = buffer.firstIndex(of: 10) {
                    let line = String(decoding: buffer[..<end], as: UTF8.self).trimmingCharacters(in: .newlines)
                    buffer.removeFirst(end + 1)
                    return line
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { return nil }
                buffer += chunk[0..<count]
            }
        }
        send("220 fake-smtp ready")
        var from = ""
        var to: [String] = []
        while let line = readLine() {
            let upper = line.uppercased()
            if upper.hasPrefix("EHLO") || upper.hasPrefix("HELO") {
                send("250-fake-smtp")
                send("250 SIZE 1000000")
            } else if upper.hasPrefix("MAIL FROM:") {
                from = String(line.dropFirst(10)).trimmingCharacters(in: CharacterSet(charactersIn: " <>"))
                send("250 OK")
            } else if upper.hasPrefix("RCPT TO:") {
                to.append(String(line.dropFirst(8)).trimmingCharacters(in: CharacterSet(charactersIn: " <>")))
                send("250 OK")
            } else if upper == "DATA" {
                send("354 end with .")
                var lines: [String] = []
                while let dataLine = readLine(), dataLine != "." { lines.append(dataLine) }
                let message = Received(from: from, to: to, data: lines.joined(separator: "\n"))
                received.withLock { $0.append(message) }
                send("250 OK queued")
            } else if upper == "QUIT" {
                send("221 bye")
                return
            } else {
                send("250 OK")
            }
        }
    }
}
