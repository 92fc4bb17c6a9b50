import HTTPServer

enum DeviceToken {
    /// `Authorization: Token <t>` or `Bearer <t>`, scheme case-insensitive. Byte-wise, without
    /// splitting or Foundation: it runs for every device request.
    static func from(_ headers: HTTPHeaders) -> String? {
        guard let value = headers["Authorization"] else { return nil }
        let bytes = value.utf8
        guard let space = bytes.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        let scheme = bytes[..<space]
        guard equalIgnoringASCIICase(scheme, "token".utf8) || equalIgnoringASCIICase(scheme, "bearer".utf8) else {
            return nil
        }
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let start = bytes[space...].firstIndex(where: { !isBlank($0) }),
            let last = bytes[start...].lastIndex(where: { !isBlank($0) })
        else { return nil }
        return String(value[start...last])
    }
}
