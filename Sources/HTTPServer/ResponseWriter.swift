import Glibc

/// Serialises responses into a connection's output queue (the body is queued, not copied). Adds `Date`, `Content-Length`
/// and `Connection` itself, and never lets a header value carry CR or LF (response splitting).
struct ResponseWriter {
    private var cachedDateLine: [UInt8] = []
    private var cachedSecond = -1
    /// The whole head of the commonest answer (a device's 204 on a keep-alive HTTP/1.1 connection,
    /// no fields), made again only when its `Date` changes: building it per answer was an allocation
    /// and about a thousand instructions.
    private var cachedNoContentHead: [UInt8] = []
    private var cachedNoContentSecond = -1

    mutating func encode(
        _ response: HTTPResponse, for method: HTTPMethod, version: HTTPVersion, keepAlive: Bool,
        into output: inout OutputQueue
    ) {
        let status = response.status
        let bodyless = status.code == 204 || status.code == 304 || status.code < 200
        if status == .noContent && keepAlive && version == .http11 && response.headers.count == 0 {
            let date = dateLine()
            if cachedNoContentSecond != cachedSecond {
                cachedNoContentHead = head(response, bodyless: true, version: version, keepAlive: true, date: date)
                cachedNoContentSecond = cachedSecond
            }
            return output.append(cachedNoContentHead)
        }
        output.append(head(response, bodyless: bodyless, version: version, keepAlive: keepAlive, date: dateLine()))
        if method != .head && !bodyless { output.append(response.body) }
    }

    /// Appended from arrays and contiguous UTF-8 only (memcpy), into one allocation.
    private func head(
        _ response: HTTPResponse, bodyless: Bool, version: HTTPVersion, keepAlive: Bool, date: [UInt8]
    ) -> [UInt8] {
        let status = response.status
        var head: [UInt8] = []
        head.reserveCapacity(Self.typicalHeadBytes)
        head.append(contentsOf: version == .http10 ? Self.http10 : Self.http11)
        Self.appendDecimal(status.code, to: &head)
        head.append(.space)
        head.append(contentsOf: status.reason.utf8)
        head.append(contentsOf: Self.crlf)
        head.append(contentsOf: date)
        if !bodyless {
            head.append(contentsOf: Self.contentLengthName)
            Self.appendDecimal(response.body.count, to: &head)
            head.append(contentsOf: Self.crlf)
        }
        if !keepAlive {
            head.append(contentsOf: Self.connectionClose)
        } else if version == .http10 {
            head.append(contentsOf: Self.connectionKeepAlive)
        }
        response.headers.forEachField { name, value in
            guard Self.isAllowed(name) else { return }
            head.append(contentsOf: name)
            head.append(contentsOf: Self.separator)
            for byte in value { head.append(byte == .cr || byte == .lf || byte == 0 ? .space : byte) }
            head.append(contentsOf: Self.crlf)
        }
        head.append(contentsOf: Self.crlf)
        return head
    }

    /// Room for a status line, `Date` and `Content-Length` and a few short headers.
    private static let typicalHeadBytes = 160

    /// A non-negative number's decimal digits, without making a String. Most significant first, so
    /// nothing is reversed afterwards: reversing `bytes[start...]` in place went through a slice of
    /// the array and cost more than the rest of the head (800 instructions an answer).
    private static func appendDecimal(_ number: Int, to bytes: inout [UInt8]) {
        let value = UInt(max(0, number))
        var divisor: UInt = 1
        while divisor <= value / 10 { divisor *= 10 }
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        } while divisor > 0
    }

    static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
    private static let http10 = Array("HTTP/1.0 ".utf8)
    private static let http11 = Array("HTTP/1.1 ".utf8)
    private static let crlf: [UInt8] = [.cr, .lf]
    private static let separator = Array(": ".utf8)
    private static let dateName = Array("Date: ".utf8)
    private static let contentLengthName = Array("Content-Length: ".utf8)
    private static let connectionClose = Array("Connection: close\r\n".utf8)
    private static let connectionKeepAlive = Array("Connection: keep-alive\r\n".utf8)

    private static let serverOwned = ["Content-Length", "Connection", "Date", "Transfer-Encoding"]

    /// Framing headers are the server's alone; a name that is not a token would break the head.
    private static func isAllowed(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        !name.isEmpty && name.allSatisfy(\.isTokenCharacter)
            && !serverOwned.contains { equalIgnoringASCIICase(name, $0.utf8) }
    }

    /// `Date: ` and the IMF-fixdate (RFC 9110 §5.6.7) with its CRLF, recomputed at most once a second.
    private mutating func dateLine() -> [UInt8] {
        var now = time(nil)
        guard Int(now) != cachedSecond else { return cachedDateLine }
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        cachedDateLine = Self.dateName + buffer.prefix(length).map { UInt8(bitPattern: $0) } + Self.crlf
        cachedSecond = Int(now)
        return cachedDateLine
    }
}
