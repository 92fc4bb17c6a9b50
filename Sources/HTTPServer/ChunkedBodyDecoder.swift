/// Decodes a chunked body (RFC 9112 §7.1) incrementally; trailer fields are read and discarded.
struct ChunkedBodyDecoder {
    private enum State: Equatable {
        case sizeLine
        case data(remaining: Int)
        case dataEnd
        case trailers
    }

    private var state = State.sizeLine
    private var position: Int?
    private var trailerBytes = 0
    private(set) var body: [UInt8] = []

    private static let maxSizeLineBytes = 4096

    /// Returns the offset just past the body once the last chunk and trailers have arrived.
    mutating func decode(
        _ bytes: UnsafeRawBufferPointer, from start: Int, limits: HTTPLimits
    ) throws(HTTPParseError) -> Int? {
        var offset = position ?? start
        defer { position = offset }
        while true {
            switch state {
            case .sizeLine:
                guard let end = try Self.lineEnd(bytes, from: offset, limit: Self.maxSizeLineBytes) else { return nil }
                let size = try Self.chunkSize(bytes[offset..<end - 2])
                offset = end
                if size == 0 {
                    state = .trailers
                } else {
                    guard body.count + size <= limits.maxBodyBytes else {
                        throw HTTPParseError(status: .payloadTooLarge, reason: "body too large")
                    }
                    state = .data(remaining: size)
                }
            case .data(let remaining):
                let available = min(remaining, bytes.count - offset)
                guard available > 0 else { return nil }
                body.append(contentsOf: bytes[offset..<offset + available])
                offset += available
                state = remaining == available ? .dataEnd : .data(remaining: remaining - available)
            case .dataEnd:
                guard bytes.count - offset >= 2 else { return nil }
                guard bytes[offset] == .cr, bytes[offset + 1] == .lf else {
                    throw .bad("chunk data not followed by CRLF")
                }
                offset += 2
                state = .sizeLine
            case .trailers:
                guard let end = try Self.lineEnd(bytes, from: offset, limit: limits.maxHeadBytes - trailerBytes) else {
                    return nil
                }
                trailerBytes += end - offset
                if end - offset == 2 { return end }
                let first = bytes[offset]
                if first == .space || first == .tab || !bytes[offset..<end - 2].contains(.colon) {
                    throw .bad("malformed trailer field")
                }
                offset = end
            }
        }
    }

    /// Offset after the next CRLF, or nil if it has not arrived; bare CR or LF is an error.
    private static func lineEnd(
        _ bytes: UnsafeRawBufferPointer, from offset: Int, limit: Int
    ) throws(HTTPParseError) -> Int? {
        var index = offset
        while index < bytes.count {
            if index - offset >= limit {
                throw HTTPParseError(status: .headersTooLarge, reason: "chunk framing line too long")
            }
            switch bytes[index] {
            case .cr:
                guard index + 1 < bytes.count else { return nil }
                guard bytes[index + 1] == .lf else { throw .bad("bare CR in chunk framing") }
                return index + 2
            case .lf: throw .bad("bare LF in chunk framing")
            default: index += 1
            }
        }
        if index - offset >= limit {
            throw HTTPParseError(status: .headersTooLarge, reason: "chunk framing line too long")
        }
        return nil
    }

    /// `1*HEXDIG [ BWS ";" extensions ]`; anything else, or a size past 2^60, is a bad chunk size.
    private static func chunkSize(_ line: UnsafeRawBufferPointer.SubSequence) throws(HTTPParseError) -> Int {
        var size = 0
        var digits = 0
        var index = line.startIndex
        while index < line.endIndex, let value = line[index].hexValue {
            size = size << 4 | Int(value)
            digits += 1
            index += 1
            if digits > 15 { throw .bad("bad chunk size") }
        }
        guard digits > 0 else { throw .bad("bad chunk size") }
        while index < line.endIndex, line[index] == .space || line[index] == .tab { index += 1 }
        guard index == line.endIndex || line[index] == UInt8(ascii: ";") else { throw .bad("bad chunk size") }
        return size
    }
}
