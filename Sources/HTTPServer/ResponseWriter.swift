import Glibc

/// Serialises responses into a connection's output queue (the body is queued, not copied). Adds `Date`, `Content-Length`
/// and `Connection` itself, and never lets a header value carry CR or LF (response splitting).
struct ResponseWriter {
    private var cachedDate: [UInt8] = []
    private var cachedSecond = -1

    mutating func encode(
        _ response: HTTPResponse, for method: HTTPMethod, version: HTTPVersion, keepAlive: Bool,
        into output: inout OutputQueue
    ) {
        let status = response.status
        let bodyless = status.code == 204 || status.code == 304 || status.code < 200
        var head = version == .http10 ? Self.http10 : Self.http11
        head.reserveCapacity(256)
        head += String(status.code).utf8
        head.append(.space)
        head += status.reason.utf8
        head += Self.crlf
        head += Self.dateName
        head += httpDate()
        head += Self.crlf
        if !bodyless {
            head += Self.contentLengthName
            head += String(response.body.count).utf8
            head += Self.crlf
        }
        if !keepAlive {
            head += Self.connectionClose
        } else if version == .http10 {
            head += Self.connectionKeepAlive
        }
        for (name, value) in response.headers where Self.isAllowed(name) {
            head += name.utf8
            head += Self.separator
            head += value.utf8.lazy.map { $0 == .cr || $0 == .lf || $0 == 0 ? .space : $0 }
            head += Self.crlf
        }
        head += Self.crlf
        output.append(head)
        if method != .head && !bodyless { output.append(response.body) }
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
    private static func isAllowed(_ name: String) -> Bool {
        name.utf8.allSatisfy(\.isTokenCharacter) && !serverOwned.contains { HTTPHeaders.same(name, $0) }
    }

    /// IMF-fixdate (RFC 9110 §5.6.7), recomputed at most once a second.
    private mutating func httpDate() -> [UInt8] {
        var now = time(nil)
        guard Int(now) != cachedSecond else { return cachedDate }
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        cachedDate = buffer.prefix(length).map { UInt8(bitPattern: $0) }
        cachedSecond = Int(now)
        return cachedDate
    }
}
