public struct InfluxConfiguration: Sendable {
    /// Base URL, such as `http://127.0.0.1:8086`.
    public var url: String
    public var token: String
    public var org: String
    public var bucket: String
    /// The v1 database; defaults to the bucket name.
    public var database: String
    public var api: InfluxAPI
    /// Send write bodies gzip-compressed (`Content-Encoding: gzip`).
    public var gzip: Bool

    public init(
        url: String, token: String = "", org: String = "", bucket: String = "plantbuddy", database: String? = nil,
        api: InfluxAPI = .auto, gzip: Bool = false
    ) {
        self.gzip = gzip
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.token = token
        self.org = org
        self.bucket = bucket
        self.database = database ?? bucket
        self.api = api
    }
}
