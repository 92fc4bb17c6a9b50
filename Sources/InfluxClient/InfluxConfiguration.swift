public struct InfluxConfiguration: Sendable {
    /// Base URL, such as `http://127.0.0.1:8086`.
    public var url: String
    public var token: String
    public var org: String
    public var bucket: String
    /// The v1 database; the bucket's name unless set.
    public var database: String {
        get { explicitDatabase ?? bucket }
        set { explicitDatabase = newValue }
    }
    private var explicitDatabase: String?
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
        explicitDatabase = database
        self.api = api
    }
}
