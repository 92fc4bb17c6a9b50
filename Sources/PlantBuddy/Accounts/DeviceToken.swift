import HTTPServer

enum DeviceToken {
    /// `Authorization: Token <t>` or `Bearer <t>`, scheme case-insensitive. Over the value's UTF-8
    /// bytes, without String indices or Foundation: it runs for every device request.
    static func from(_ headers: HTTPHeaders) -> String? {
        guard var value = headers["Authorization"] else { return nil }
        return value.withUTF8 { bytes -> String? in
            guard let space = bytes.firstIndex(of: UInt8(ascii: " ")) else { return nil }
            let scheme = UnsafeBufferPointer(rebasing: bytes[..<space])
            guard equalIgnoringASCIICase(scheme, "token".utf8) || equalIgnoringASCIICase(scheme, "bearer".utf8) else {
                return nil
            }
            let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
            guard let start = bytes[space...].firstIndex(where: { !isBlank($0) }),
                let last = bytes[start...].lastIndex(where: { !isBlank($0) })
            else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start...last]), as: UTF8.self)
        }
    }
}
