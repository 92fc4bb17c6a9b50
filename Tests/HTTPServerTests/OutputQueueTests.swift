import Glibc
import Testing

@testable import HTTPServer

/// What a connection queues leaves in order and whole, however the socket takes it.
@Suite struct OutputQueueTests {
    @Test func piecesLeaveInOrderThroughPartialSends() throws {
        var fds: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { fds.forEach { _ = close($0) } }
        var small: Int32 = 4096
        setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }

        // Small pieces that merge, a body too large to merge, and small pieces after it.
        let pieces: [[UInt8]] =
            [Array("head one\r\n".utf8), Array("body".utf8), [UInt8](repeating: 0x62, count: 100_000)]
            + (0..<50).map { Array("piece \($0);".utf8) }
        var output = OutputQueue()
        for piece in pieces { output.append(piece) }
        output.append([])
        #expect(output.count == pieces.map(\.count).reduce(0, +))

        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        var partialSends = 0
        while !output.isEmpty {
            let before = output.count
            let sent = output.send(to: fds[0])
            if sent > 0 {
                #expect(output.count == before - sent)
                if sent < before { partialSends += 1 }
            } else {
                try #require(errno == EAGAIN)
            }
            let count = read(fds[1], &buffer, buffer.count)
            if count > 0 { received += buffer.prefix(count) }
        }
        while case let count = read(fds[1], &buffer, buffer.count), count > 0 { received += buffer.prefix(count) }
        // Emptied, the queue starts again with the next answer.
        output.append(Array("next".utf8))
        #expect(output.send(to: fds[0]) == 4 && output.isEmpty)
        shutdown(fds[0], Int32(SHUT_WR))
        while case let count = read(fds[1], &buffer, buffer.count), count > 0 { received += buffer.prefix(count) }
        #expect(received == Array(pieces.joined()) + Array("next".utf8))
        #expect(partialSends > 1)
    }
}
