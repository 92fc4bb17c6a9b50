import Glibc

/// Bytes waiting to go to one client: response heads and bodies queued as they are, so a large body
/// is sent from the handler's own array (no copy) and a head and its body leave in one `sendmsg`.
struct OutputQueue {
    private var chunks: [[UInt8]] = []
    /// Bytes of `chunks[0]` already sent.
    private var sentOfFirst = 0
    /// Bytes not yet sent.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Small pieces (heads, short bodies) join the previous small piece, so pipelined answers
    /// still go out in few iovecs.
    mutating func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        count += bytes.count
        if bytes.count <= Self.mergeLimit, let last = chunks.indices.last, chunks[last].count <= Self.mergeLimit {
            chunks[last] += bytes
        } else {
            chunks.append(bytes)
        }
    }

    /// Sends as much as the socket takes. Returns the bytes sent, or -1 with `errno` set.
    mutating func send(to fd: Int32) -> Int {
        // The usual case is one answer's bytes: a plain send, no iovecs to build.
        let sent =
            chunks.count == 1
            ? chunks[0].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + sentOfFirst, $0.count - sentOfFirst, Int32(MSG_NOSIGNAL))
            }
            : sendGathered(to: fd)
        if sent > 0 { consume(sent) }
        return sent
    }

    private func sendGathered(to fd: Int32) -> Int {
        var vectors: [iovec] = []
        return Self.withVectors(chunks[...], skipping: sentOfFirst, into: &vectors) { pinned in
            var vectors = pinned
            var message = msghdr()
            return vectors.withUnsafeMutableBufferPointer { buffer in
                message.msg_iov = buffer.baseAddress
                message.msg_iovlen = buffer.count
                return sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
            }
        }
    }

    private mutating func consume(_ sent: Int) {
        count -= sent
        var remaining = sent
        while remaining > 0 {
            let left = chunks[0].count - sentOfFirst
            if remaining < left {
                sentOfFirst += remaining
                return
            }
            remaining -= left
            chunks.removeFirst()
            sentOfFirst = 0
        }
        if chunks.isEmpty { chunks = [] }  // drop the capacity: idle connections keep no buffers
    }

    private static let mergeLimit = 4096
    private static let maxVectors = 64

    /// Pins each chunk's bytes for the duration of `body`, collecting them as iovecs.
    private static func withVectors(
        _ chunks: ArraySlice<[UInt8]>, skipping offset: Int, into vectors: inout [iovec], _ body: ([iovec]) -> Int
    ) -> Int {
        guard let first = chunks.first, vectors.count < maxVectors else { return body(vectors) }
        return first.withUnsafeBytes { bytes in
            vectors.append(
                iovec(
                    iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress! + offset),
                    iov_len: bytes.count - offset))
            return withVectors(chunks.dropFirst(), skipping: 0, into: &vectors, body)
        }
    }
}
