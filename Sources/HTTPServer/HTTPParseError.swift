/// A request the server refuses, with the status it answers before closing the connection.
public struct HTTPParseError: Error, Equatable, Sendable {
    public let status: HTTPStatus
    public let reason: String

    static func bad(_ reason: String) -> HTTPParseError { HTTPParseError(status: .badRequest, reason: reason) }
}
