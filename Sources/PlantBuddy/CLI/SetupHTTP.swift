import CurlClient
import Foundation
import InfluxClient

/// The JSON calls `plantbuddy setup` makes to InfluxDB's management API (2.x and 3.x): the token
/// sent, the answer's status checked, InfluxDB's message said when it refuses.
struct SetupHTTP {
    struct Answer {
        let status: Int
        let json: Any?
        let text: String
    }

    let influx: InfluxConfiguration
    private let http = CurlHTTPClient()

    init(influx: InfluxConfiguration) { self.influx = influx }

    func call(_ method: String, _ path: String, json: Any? = nil, expect: Set<Int>) throws(Setup.Failure) -> Answer {
        let body = json.flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
        let response = try send(method, path, body: body)
        let parsed = try? JSONSerialization.jsonObject(with: Data(response.body))
        guard expect.contains(response.status) else {
            let fields = parsed as? [String: Any]
            let message = fields?["message"] as? String ?? fields?["error"] as? String ?? response.bodyText
            if response.status == 401 || response.status == 403 {
                throw Setup.Failure(description: "INFLUX_TOKEN: InfluxDB refused it for \(method) \(path): \(message)")
            }
            throw Setup.Failure(description: "\(method) \(path) answered \(response.status): \(message)")
        }
        return Answer(status: response.status, json: parsed, text: response.bodyText)
    }

    func send(_ method: String, _ path: String, body: Data?) throws(Setup.Failure) -> HTTPClientResponse {
        var headers = [("Authorization", "Token \(influx.token)"), ("Accept", "application/json")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        do {
            return try http.send(
                HTTPClientRequest(
                    method: method, url: influx.url + path, headers: headers, body: body.map(Array.init) ?? []))
        } catch {
            throw Setup.Failure(description: "INFLUX_URL: cannot reach \(influx.url): \(error)")
        }
    }

    static func percent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}
