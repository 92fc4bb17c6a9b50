import InfluxClient
import Testing

/// How the forwarder treats each failure InfluxDB can give: the one classification it uses.
@Suite struct WriteRemedyTests {
    @Test(arguments: [
        (InfluxError.unreachable("connection refused"), WriteRemedy.retry(afterSeconds: nil)),
        (.invalidResponse("not JSON"), .retry(afterSeconds: nil)),
        (.server(status: 503, message: "overloaded", retryAfter: 7), .retry(afterSeconds: 7)),
        (.server(status: 500, message: "internal", retryAfter: nil), .retry(afterSeconds: nil)),
        (.server(status: 429, message: "too many requests", retryAfter: 30), .retry(afterSeconds: 30)),
        (.server(status: 401, message: "unauthorized", retryAfter: nil), .fixConfiguration),
        (.server(status: 403, message: "forbidden", retryAfter: nil), .fixConfiguration),
        (.server(status: 404, message: "bucket not found", retryAfter: nil), .fixConfiguration),
        (.server(status: 400, message: "partial write: field type conflict", retryAfter: nil), .refuseLines),
        (.server(status: 413, message: "too large", retryAfter: nil), .refuseLines),
        (.server(status: 422, message: "unprocessable", retryAfter: nil), .refuseLines),
        (
            .partiallyWritten(refused: [RefusedLine(number: 2, message: "No fields were provided")]),
            .setAside([RefusedLine(number: 2, message: "No fields were provided")])
        ),
    ])
    func eachFailureHasOneRemedy(error: InfluxError, remedy: WriteRemedy) {
        #expect(error.writeRemedy == remedy)
    }
}
