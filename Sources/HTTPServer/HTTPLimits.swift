/// Every bound the server puts on what a client may send. Defaults suit a small device gateway.
public struct HTTPLimits: Sendable {
    /// The request line (`POST /write HTTP/1.1`); longer → 414.
    public var maxRequestLineBytes = 8 * 1024
    /// Request line plus all header lines; more → 431.
    public var maxHeadBytes = 32 * 1024
    /// Header fields per request; more → 431.
    public var maxHeaderCount = 100
    /// Decoded body bytes; more → 413, decided from `Content-Length` before the body is read.
    public var maxBodyBytes = 1 << 20
    /// Response bytes queued for one client before the server stops reading its pipelined requests
    /// until the client has read them (a single larger response is still sent whole).
    public var maxPendingOutputBytes = 256 * 1024

    public init() {}

    /// How many raw bytes one request may occupy in the connection buffer: the head, the body, and
    /// room for chunk framing. A chunked body framed more wastefully than this gets 413.
    var maxRawRequestBytes: Int { maxHeadBytes + 2 * maxBodyBytes + 64 * 1024 }
}
