import HTTPServer

/// What InfluxDB clients ask before they write, answered the way InfluxDB answers it, so that a client
/// pointed at the gateway as if it were InfluxDB finds it up: `/ping` (the Python client's `ping()`,
/// Telegraf) and a v1 client's `CREATE DATABASE` on `/query` (Telegraf's v1 output sends one at start).
/// They reveal nothing and change nothing, so they need no token.
struct InfluxProbeEndpoints: Sendable {
    let version: String

    /// `GET`/`HEAD /ping`: 204 with the headers clients read the server's version and build from.
    func ping(_ request: HTTPRequest) -> HTTPResponse {
        HTTPResponse(
            status: .noContent,
            headers: ["X-Influxdb-Version": "plantbuddy-\(version)", "X-Influxdb-Build": "PlantBuddy"])
    }

    /// `/query`: `CREATE DATABASE` succeeds without doing anything (the gateway writes where it is
    /// configured to); every other statement is refused, as the gateway serves no reads.
    func query(_ request: HTTPRequest) -> HTTPResponse {
        var statement = request.query("q")
        if statement == nil, request.method == .post {
            statement =
                FormURLEncoding.decode(String(decoding: request.body, as: UTF8.self)).first { $0.name == "q" }?
                .value
        }
        guard let statement, Self.isCreateDatabase(statement) else {
            return HTTPResponse(
                status: .notImplemented, contentType: "application/json",
                body: #"{"error":"the gateway answers only CREATE DATABASE on /query; read from InfluxDB itself"}"#)
        }
        return HTTPResponse(status: .ok, contentType: "application/json", body: #"{"results":[{"statement_id":0}]}"#)
    }

    /// One `CREATE DATABASE name` statement (any case, the name quoted or not, a `;` or `WITH …` after it).
    static func isCreateDatabase(_ statement: String) -> Bool {
        let words = statement.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        guard words.count >= 3, words[0].uppercased() == "CREATE", words[1].uppercased() == "DATABASE" else {
            return false
        }
        return !statement.dropLast(statement.hasSuffix(";") ? 1 : 0).contains(";")
    }
}
