import HTTPServer

enum DeviceToken {
    /// `Authorization: Token <t>` or `Bearer <t>`, scheme case-insensitive.
    static func from(_ headers: HTTPHeaders) -> String? {
        withToken(in: headers) { $0.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// The same token's bytes lent to `body` (nil without one), with no String made: it runs for
    /// every device request.
    static func withToken<Result>(in headers: HTTPHeaders, _ body: (UnsafeBufferPointer<UInt8>?) -> Result) -> Result {
        headers.withValue(of: "Authorization") { body(token(in: $0)) } ?? body(nil)
    }

    /// The token in an `Authorization` value: after a `Token` or `Bearer` scheme, blanks trimmed.
    private static func token(in value: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        guard let space = value.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        let scheme = UnsafeBufferPointer(rebasing: value[..<space])
        guard equalIgnoringASCIICase(scheme, "token".utf8) || equalIgnoringASCIICase(scheme, "bearer".utf8) else {
            return nil
        }
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let start = value[space...].firstIndex(where: { !isBlank($0) }),
            let last = value[start...].lastIndex(where: { !isBlank($0) })
        else { return nil }
        return UnsafeBufferPointer(rebasing: value[start...last])
    }
}
