import CurlClient
import Foundation
import HTTPServer
import PlantBuddy
import TestSupport
import Testing

/// docs/openapi.yaml (JSON syntax, valid YAML) checked against the server's real answers: every
/// status is documented for its path, and JSON bodies match their schemas.
@Suite struct OpenAPITests {
    nonisolated(unsafe) static let document: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../docs/openapi.yaml")
        let data = (try? Data(contentsOf: url)) ?? Data()
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }()

    /// The problems with `value` against `schema` (empty when it conforms).
    static func violations(_ value: Any, _ schema: [String: Any], at path: String = "$") -> [String] {
        if let reference = schema["$ref"] as? String {
            let name = String(reference.split(separator: "/").last ?? "")
            let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any]
            guard let target = schemas?[name] as? [String: Any] else { return ["\(path): unknown \(reference)"] }
            return violations(value, target, at: path)
        }
        if let options = schema["oneOf"] as? [[String: Any]] {
            let matching = options.filter { violations(value, $0, at: path).isEmpty }
            return matching.count == 1 ? [] : ["\(path): matches \(matching.count) of oneOf"]
        }
        var problems: [String] = []
        switch schema["type"] as? String {
        case "object":
            guard let object = value as? [String: Any] else { return ["\(path): not an object"] }
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                problems.append("\(path).\(key): missing")
            }
            for (key, child) in schema["properties"] as? [String: [String: Any]] ?? [:] {
                if let member = object[key] { problems += violations(member, child, at: "\(path).\(key)") }
            }
        case "array":
            guard let array = value as? [Any] else { return ["\(path): not an array"] }
            if let items = schema["items"] as? [String: Any] {
                for (index, item) in array.enumerated() { problems += violations(item, items, at: "\(path)[\(index)]") }
            }
        case "string": if !(value is String) { problems.append("\(path): not a string") }
        case "boolean": if !(value is Bool) { problems.append("\(path): not a boolean") }
        case "integer": if !(value is Int) { problems.append("\(path): not an integer") }
        case "number": if !(value is NSNumber) { problems.append("\(path): not a number") }
        default: break
        }
        if let allowed = schema["enum"] as? [String], let text = value as? String, !allowed.contains(text) {
            problems.append("\(path): \(text) not in \(allowed)")
        }
        return problems
    }

    /// Checks one real response against the document.
    static func check(_ response: HTTPClientResponse, _ method: String, _ path: String) {
        let operation = ((document["paths"] as? [String: Any])?[path] as? [String: Any])?[method] as? [String: Any]
        guard let documented = (operation?["responses"] as? [String: Any])?[String(response.status)] as? [String: Any]
        else {
            Issue.record(
                "\(method.uppercased()) \(path) answered \(response.status), which docs/openapi.yaml does not list")
            return
        }
        guard
            let schema = ((documented["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"]
                as? [String: Any]
        else { return }
        guard let body = try? JSONSerialization.jsonObject(with: Data(response.body)) else {
            Issue.record("\(method.uppercased()) \(path) \(response.status): body is not JSON")
            return
        }
        let problems = violations(body, schema)
        #expect(problems.isEmpty, "\(method.uppercased()) \(path) \(response.status): \(problems)")
    }

    /// The checker itself must be able to fail.
    @Test func checkerRejectsBodiesThatDoNotMatch() {
        let error: [String: Any] = ["$ref": "#/components/schemas/Error"]
        #expect(!Self.violations(["code": "x"], error).isEmpty)  // message missing
        #expect(!Self.violations(["code": 1, "message": "m"], error).isEmpty)
        #expect(Self.violations(["code": "x", "message": "m"], error).isEmpty)
        let health: [String: Any] = ["$ref": "#/components/schemas/Health"]
        #expect(!Self.violations(["status": "maybe", "version": "1", "influxdb": [:], "buffer": [:]], health).isEmpty)
    }

    @Test func realResponsesMatchTheDocument() throws {
        #expect(Self.document["openapi"] as? String == "3.0.3")
        let influxd = try InfluxDServer.shared()
        try withGateway(
            influxURL: influxd.url, database: try influxd.createDatabase("openapi"),
            configure: {
                $0.notifySecret = "secret"
                $0.server.limits.maxBodyBytes = 4096
            }
        ) { gateway in
            let token = try gateway.app.users.add("rick")
            func post(_ target: String, _ body: String, _ headers: [(String, String)]) throws -> HTTPClientResponse {
                try gateway.http.send(
                    HTTPClientRequest(
                        method: "POST", url: "http://127.0.0.1:\(gateway.port)\(target)", headers: headers,
                        body: Array(body.utf8)))
            }
            let auth = [("Authorization", "Token \(token)")]
            Self.check(try post("/write", "01SM144", auth), "post", "/write")
            Self.check(try post("/write", "01SM144\nbad", auth), "post", "/write")
            Self.check(try post("/write", "01SM144", []), "post", "/write")
            Self.check(try post("/write", String(repeating: "01SM144\n", count: 600), auth), "post", "/write")
            Self.check(try post("/write?db=x", "m v=1i\nbad", auth), "post", "/write")
            Self.check(try post("/write?db=x", "m v=1i", []), "post", "/write")
            Self.check(try post("/api/v2/write?org=o&bucket=b", "m v=1i", auth), "post", "/api/v2/write")
            Self.check(try post("/api/v2/write", "m,user=other v=1i", auth), "post", "/api/v2/write")
            Self.check(try post("/api/v2/write", "m v=1i", []), "post", "/api/v2/write")
            let status = #"{"user":"rick","level":"crit","message":"dry","time":"2026-11-22T10:00:00Z"}"#
            Self.check(try post("/notify", status, [("Authorization", "secret")]), "post", "/notify")
            Self.check(try post("/notify", "{bad", [("Authorization", "secret")]), "post", "/notify")
            Self.check(try post("/notify", status, [("Authorization", "wrong")]), "post", "/notify")
            Self.check(try gateway.get("/health"), "get", "/health")
            Self.check(try gateway.get("/ping"), "get", "/ping")
            let form = [("Content-Type", "application/x-www-form-urlencoded")]
            Self.check(try post("/query", "q=CREATE+DATABASE+telegraf", form), "post", "/query")
            Self.check(try post("/query", "q=SELECT+*+FROM+m", form), "post", "/query")
        }
        let closed = try ClosedPort()
        try withGateway(influxURL: "http://127.0.0.1:\(closed.port)", database: "unused") { gateway in
            Self.check(try gateway.get("/health"), "get", "/health")
        }
    }
}
