public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The request target as sent (`/write?x=1`).
    public let target: String
    /// Where the target's `?` is: found once, since routing, the observer and handlers all ask for
    /// the path or the query.
    private let queryMark: String.Index?
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The peer's address, `ip:port`.
    public var remoteAddress: String
    /// The same for every request of one connection.
    public var connectionMemo: ConnectionMemo

    public init(
        method: HTTPMethod, target: String, version: HTTPVersion = .http11, headers: HTTPHeaders = [:],
        body: [UInt8] = [], remoteAddress: String = "127.0.0.1:0", connectionMemo: ConnectionMemo = ConnectionMemo()
    ) {
        self.init(
            method: method, target: target, queryOffset: Self.queryOffset(in: target), version: version,
            headers: headers, body: body, remoteAddress: remoteAddress, connectionMemo: connectionMemo)
    }

    /// Where `target`'s first `?` is, in its UTF-8.
    static func queryOffset(in target: String) -> Int? {
        target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target.utf8.distance(from: target.utf8.startIndex, to: $0) }
    }

    /// The same, where the `?` is already known (the parser saw every byte of the target).
    init(
        method: HTTPMethod, target: String, queryOffset: Int?, version: HTTPVersion, headers: HTTPHeaders,
        body: [UInt8], remoteAddress: String, connectionMemo: ConnectionMemo
    ) {
        self.method = method
        self.target = target
        self.queryMark = queryOffset.map { target.utf8.index(target.utf8.startIndex, offsetBy: $0) }
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.connectionMemo = connectionMemo
    }

    /// The path part of the target, without the query.
    public var path: Substring { target[..<(queryMark ?? target.endIndex)] }

    /// Decoded query parameters (`application/x-www-form-urlencoded` rules), in order.
    public var queryItems: [(name: String, value: String)] {
        guard let mark = queryMark else { return [] }
        return FormURLEncoding.decode(target[target.index(after: mark)...])
    }

    public func query(_ name: String) -> String? { queryItems.first { $0.name == name }?.value }
}
