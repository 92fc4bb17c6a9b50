import Glibc

/// Serialises responses. Adds `Date`, `Content-Length` and `Connection` itself, and never lets a
/// header value carry CR or LF (response splitting).
struct ResponseWriter {
    private var cachedDate = ""
    private var cachedSecond = -1

    mutating func encode(_ response: HTTPResponse, for method: HTTPMethod, version: HTTPVersion, keepAlive: Bool)
        -> [UInt8]
    {
        let status = response.status
        var head = "\(version == .http10 ? "HTTP/1.0" : "HTTP/1.1") \(status.code) \(status.reason)\r\n"
        head += "Date: \(httpDate())\r\n"
        let bodyless = status.code == 204 || status.code == 304 || status.code < 200
        if !bodyless { head += "Content-Length: \(response.body.count)\r\n" }
        if !keepAlive {
            head += "Connection: close\r\n"
        } else if version == .http10 {
            head += "Connection: keep-alive\r\n"
        }
        for (name, value) in response.headers {
            let lowered = asciiLowercased(Substring(name))
            guard lowered != "content-length", lowered != "connection", lowered != "date",
                lowered != "transfer-encoding", name.utf8.allSatisfy(\.isTokenCharacter)
            else { continue }
            head += "\(name): \(Self.sanitised(value))\r\n"
        }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if method != .head && !bodyless { bytes += response.body }
        return bytes
    }

    static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    private static func sanitised(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == .cr || $0 == .lf || $0 == 0 }) else { return value }
        return String(decoding: value.utf8.map { $0 == .cr || $0 == .lf || $0 == 0 ? .space : $0 }, as: UTF8.self)
    }

    /// IMF-fixdate (RFC 9110 §5.6.7), recomputed at most once a second.
    private mutating func httpDate() -> String {
        var now = time(nil)
        guard Int(now) != cachedSecond else { return cachedDate }
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        cachedDate = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        cachedSecond = Int(now)
        return cachedDate
    }
}
