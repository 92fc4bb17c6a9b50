import Glibc

/// Bytes waiting to go to one client: response heads and bodies queued as they are, so a large body
/// is sent from the handler's own array (no copy) and a head and its body leave in one `sendmsg`.
///
/// The chunk being sent is held apart from the ones behind it: the usual answer is one chunk, and
/// it then needs no array of chunks (an allocation a request).
struct OutputQueue {
    private var first: [UInt8] = []
    private var later: [[UInt8]] = []
    /// Bytes of `first` already sent.
    private var sentOfFirst = 0
    /// Bytes not yet sent.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Small pieces (heads, short bodies) join the previous small piece, so pipelined answers
    /// still go out in few iovecs.
    mutating func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        defer { count += bytes.count }
        if count == 0 {
            first = bytes
        } else if bytes.count > Self.mergeLimit {
            later.append(bytes)
        } else if let last = later.indices.last {
            if later[last].count <= Self.mergeLimit { later[last] += bytes } else { later.append(bytes) }
        } else if first.count <= Self.mergeLimit {
            first += bytes
        } else {
            later.append(bytes)
        }
    }

    /// Sends as much as the socket takes. Returns the bytes sent, or -1 with `errno` set.
    mutating func send(to fd: Int32) -> Int {
        // The usual case is one answer's bytes: a plain send, no iovecs to build.
        let sent =
            later.isEmpty
            ? first.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + sentOfFirst, $0.count - sentOfFirst, Int32(MSG_NOSIGNAL))
            }
            : sendGathered(to: fd)
        if sent > 0 { consume(sent) }
        return sent
    }

    private func sendGathered(to fd: Int32) -> Int {
        var vectors: [iovec] = []
        return first.withUnsafeBytes { bytes in
            vectors.append(
                iovec(
                    iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress! + sentOfFirst),
                    iov_len: bytes.count - sentOfFirst))
            return Self.withVectors(later[...], into: &vectors) { pinned in
                var vectors = pinned
                var message = msghdr()
                return vectors.withUnsafeMutableBufferPointer { buffer in
                    message.msg_iov = buffer.baseAddress
                    message.msg_iovlen = buffer.count
                    return sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
                }
            }
        }
    }

    private mutating func consume(_ sent: Int) {
        count -= sent
        var remaining = sent
        while remaining > 0 {
            let left = first.count - sentOfFirst
            if remaining < left {
                sentOfFirst += remaining
                return
            }
            remaining -= left
            sentOfFirst = 0
            // Idle connections keep no buffers: this is what makes 10,000 of them cheap.
            first = later.isEmpty ? [] : later.removeFirst()
        }
        if later.isEmpty { later = [] }
    }

    private static let mergeLimit = 4096
    private static let maxVectors = 64

    /// Pins each chunk's bytes for the duration of `body`, collecting them as iovecs.
    private static func withVectors(
        _ chunks: ArraySlice<[UInt8]>, into vectors: inout [iovec], _ body: ([iovec]) -> Int
    ) -> Int {
        guard let chunk = chunks.first, vectors.count < maxVectors else { return body(vectors) }
        return chunk.withUnsafeBytes { bytes in
            vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress!), iov_len: bytes.count))
            return withVectors(chunks.dropFirst(), into: &vectors, body)
        }
    }
}
