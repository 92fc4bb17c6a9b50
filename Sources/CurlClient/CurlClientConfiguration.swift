public struct CurlClientConfiguration: Sendable {
    public var connectTimeout: Duration = .seconds(5)
    /// Whole transfer, connect included.
    public var totalTimeout: Duration = .seconds(30)
    /// Largest buffered response body; streamed bodies are not limited by this.
    public var maxResponseBytes = 16 << 20
    public var userAgent = "plantbuddy"

    public init() {}
}
