import Glibc

/// An HTTP method. Open set: any token parses, so unknown methods reach the router and get a 405.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let get = HTTPMethod(rawValue: "GET")
    public static let head = HTTPMethod(rawValue: "HEAD")
    public static let post = HTTPMethod(rawValue: "POST")
    public static let put = HTTPMethod(rawValue: "PUT")
    public static let delete = HTTPMethod(rawValue: "DELETE")
    public static let options = HTTPMethod(rawValue: "OPTIONS")

    /// The method a request line names (token characters, checked): the usual ones are the values
    /// above, so no String is decoded for them.
    init(bytes: UnsafeRawBufferPointer) {
        let spelled = { (name: StaticString) in
            bytes.count == name.utf8CodeUnitCount && memcmp(bytes.baseAddress!, name.utf8Start, bytes.count) == 0
        }
        if spelled("POST") {
            self = .post
        } else if spelled("GET") {
            self = .get
        } else if spelled("HEAD") {
            self = .head
        } else {
            self.init(rawValue: String(decoding: bytes, as: UTF8.self))
        }
    }
}
