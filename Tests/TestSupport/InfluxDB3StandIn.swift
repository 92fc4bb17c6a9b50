import Foundation
public import HTTPServer
import Synchronization

/// A loopback stand-in for InfluxDB 3 Core (which cannot be installed here), answering with the
/// shapes and bytes of 3.x's own server tests and docs: `/ping` (200 JSON, `X-Influxdb-Version: 3…`),
/// `/api/v3/write_lp` (204; with `accept_partial=true` the good lines kept and a 400 naming each refused
/// line, `original_line` cut to 20 bytes as 3.x does; a field whose type differs from the table's first
/// is refused with 3.x's message; 401 without the token), `/api/v3/query_sql` (answered by `sql`, and
/// `information_schema.tables`, `system.processing_engine_triggers` and `system.last_caches` from what
/// it holds), and the management endpoints setup uses (databases, plugin files, triggers, last-value
/// caches; 409 for a name that exists).
public final class InfluxDB3StandIn: Sendable {
    /// What a test answers to one SQL request: the request's `db`, `q` and `params`.
    public typealias SQLAnswer =
        @Sendable (_ database: String, _ query: String, _ params: [String: Any]) -> HTTPResponse

    private let replay: Mutex<ReplayServer?> = Mutex(nil)
    private let state = Mutex(State())
    public let token: String

    struct State {
        var written: [String] = []
        /// table → field → "float" | "integer" | "string" | "boolean"
        var fieldTypes: [String: [String: String]] = [:]
        var status: HTTPStatus?
        var databases: Set<String> = []
        var plugins: [String: String] = [:]
        var triggers: [Trigger] = []
        /// Tables that exist without having been written here (`addTables`).
        var tables: Set<String> = []
        /// (table, name) of each last-value cache made.
        var lastCaches: [LastCache] = []
    }

    /// A last-value cache as setup made it.
    public struct LastCache: Sendable, Equatable {
        public var table, name: String
        public var keyColumns, valueColumns: [String]

        public init(table: String, name: String, keyColumns: [String], valueColumns: [String]) {
            (self.table, self.name, self.keyColumns, self.valueColumns) = (table, name, keyColumns, valueColumns)
        }
    }

    /// The last-value caches made, in order.
    public var lastCaches: [LastCache] { state.withLock { $0.lastCaches } }
    /// Makes these tables exist, as if someone had written to them.
    public func addTables(_ names: [String]) { state.withLock { $0.tables.formUnion(names) } }

    public init(token: String = "", sql: @escaping SQLAnswer = { _, _, _ in InfluxDB3StandIn.jsonl([]) }) throws {
        self.token = token
        let server = try ReplayServer { [unowned(unsafe) self] request in self.answer(request, sql: sql) }
        replay.withLock { $0 = server }
    }

    public var url: String { replay.withLock { $0!.url } }
    /// Every request received so far, in order.
    public var requests: [HTTPRequest] { replay.withLock { $0!.requests } }
    /// The lines written and kept, in order.
    public var written: [String] { state.withLock { $0.written } }
    /// The databases made through `/api/v3/configure/database`, and by writes.
    public var databases: Set<String> { state.withLock { $0.databases } }
    /// Uploaded plugin files, name to content.
    public var plugins: [String: String] { state.withLock { $0.plugins } }
    /// A processing-engine trigger as setup created it.
    public struct Trigger: Sendable, Equatable {
        public var database, name, plugin, specification: String
        public var disabled: Bool
        public var arguments: [String: String]
        public var errorBehavior: String
    }

    /// The triggers as created, in order.
    public var triggers: [Trigger] { state.withLock { $0.triggers } }
    /// Answer every write with this status (422, 404…) until set back to nil.
    public func failWrites(with status: HTTPStatus?) { state.withLock { $0.status = status } }

    public func stop() { replay.withLock { $0?.stop() } }

    /// A `format: jsonl` answer: one JSON object per line.
    public static func jsonl(_ rows: [[String: Any]]) -> HTTPResponse {
        let lines = rows.map { row in
            String(decoding: try! JSONSerialization.data(withJSONObject: row, options: [.sortedKeys]), as: UTF8.self)
        }
        return HTTPResponse(
            status: .ok, contentType: "application/jsonl", body: lines.map { $0 + "\n" }.joined())
    }

    private func answer(_ request: HTTPRequest, sql: SQLAnswer) -> HTTPResponse {
        if !token.isEmpty {
            let presented = request.headers["Authorization"] ?? ""
            guard presented == "Token \(token)" || presented == "Bearer \(token)" else {
                return HTTPResponse(
                    status: .unauthorized, contentType: "application/json",
                    body: #"{"error":"the request was not authenticated"}"#)
            }
        }
        switch (request.method, String(request.path)) {
        case (.get, "/ping"):
            var response = HTTPResponse(
                status: .ok, contentType: "application/json",
                body:
                    #"{"version":"3.0.1","revision":"c7b1b2c3d4","process_id":"0b4e5f1c-2a3b-4c5d-8e9f-a0b1c2d3e4f5","product_name":"InfluxDB 3 Core"}"#
            )
            response.headers.add("X-Influxdb-Version", "3.0.1")
            response.headers.add("X-Influxdb-Build", "Core")
            return response
        case (.post, "/api/v3/write_lp"):
            return write(request)
        case (.post, "/api/v3/query_sql"):
            guard let body = json(request), let database = body["db"] as? String, let query = body["q"] as? String
            else { return HTTPResponse.text(.badRequest, "invalid request body") }
            if query.contains("information_schema.tables") {
                let tables = state.withLock { $0.tables.union($0.fieldTypes.keys) }
                return Self.jsonl(tables.sorted().map { ["table_name": $0] })
            }
            if query.contains("system.last_caches") {
                return Self.jsonl(state.withLock { $0.lastCaches }.map { ["table": $0.table, "name": $0.name] })
            }
            if query.contains("system.processing_engine_triggers") {
                let listed = state.withLock { $0.triggers }.filter { $0.database == database }.map {
                    [
                        "trigger_name": $0.name, "plugin_filename": $0.plugin,
                        "trigger_specification": $0.specification,
                        "disabled": $0.disabled,
                    ] as [String: Any]
                }
                return Self.jsonl(listed)
            }
            return sql(database, query, body["params"] as? [String: Any] ?? [:])
        case (.get, "/api/v3/configure/database"):
            let names = state.withLock { $0.databases }.sorted().map { ["iox::database": $0] }
            let data = try! JSONSerialization.data(withJSONObject: names, options: [.sortedKeys])
            return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: Array(data))
        case (.post, "/api/v3/configure/database"):
            guard let name = json(request)?["db"] as? String else { return HTTPResponse.text(.badRequest, "no db") }
            let created = state.withLock { $0.databases.insert(name).inserted }
            return created ? HTTPResponse(status: .ok) : Self.exists
        case (.post, "/api/v3/configure/last_cache"):
            guard let body = json(request), let table = body["table"] as? String, let name = body["name"] as? String
            else { return HTTPResponse.text(.badRequest, "no cache") }
            let cache = LastCache(
                table: table, name: name, keyColumns: body["key_columns"] as? [String] ?? [],
                valueColumns: body["value_columns"] as? [String] ?? [])
            let created = state.withLock { state in
                guard !state.lastCaches.contains(where: { $0.table == table && $0.name == name }) else { return false }
                state.lastCaches.append(cache)
                return true
            }
            return created ? HTTPResponse(status: .ok) : Self.exists
        case (.post, "/api/v3/plugins/files"), (.put, "/api/v3/plugins/files"):
            guard let body = json(request), let name = body["plugin_name"] as? String,
                let content = body["content"] as? String
            else { return HTTPResponse.text(.badRequest, "no plugin") }
            let replace = request.method == .put
            let stored = state.withLock { state in
                guard replace || state.plugins[name] == nil else { return false }
                state.plugins[name] = content
                return true
            }
            return stored ? HTTPResponse(status: .ok) : Self.exists
        case (.post, "/api/v3/configure/processing_engine_trigger"):
            guard let body = json(request), let name = body["trigger_name"] as? String,
                let database = body["db"] as? String, let plugin = body["plugin_filename"] as? String,
                let specification = body["trigger_specification"] as? String
            else { return HTTPResponse.text(.badRequest, "no trigger") }
            let trigger = Trigger(
                database: database, name: name, plugin: plugin, specification: specification,
                disabled: body["disabled"] as? Bool ?? false,
                arguments: body["trigger_arguments"] as? [String: String] ?? [:],
                errorBehavior: (body["trigger_settings"] as? [String: Any])?["error_behavior"] as? String ?? "")
            let created = state.withLock { state in
                guard !state.triggers.contains(where: { $0.name == name }) else { return false }
                state.triggers.append(trigger)
                return true
            }
            return created ? HTTPResponse(status: .ok) : Self.exists
        case (.delete, "/api/v3/configure/processing_engine_trigger"):
            let (name, database) = (request.query("trigger_name"), request.query("db"))
            let removed = state.withLock { state in
                let before = state.triggers.count
                state.triggers.removeAll { $0.name == name && $0.database == database }
                return state.triggers.count < before
            }
            return removed ? HTTPResponse(status: .ok) : HTTPResponse.text(.notFound, "trigger not found")
        default:
            return HTTPResponse(status: .notFound)
        }
    }

    private static let exists = HTTPResponse(
        status: HTTPStatus(code: 409, reason: "Conflict"), contentType: "application/json",
        body: #"{"error":"attempted to create resource that already exists"}"#)

    private func json(_ request: HTTPRequest) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
    }

    private func write(_ request: HTTPRequest) -> HTTPResponse {
        if let status = state.withLock({ $0.status }) {
            return HTTPResponse(status: status, contentType: "application/json", body: #"{"error":"refused"}"#)
        }
        if let database = request.query("db") { _ = state.withLock { $0.databases.insert(database) } }
        let lines = String(decoding: request.body, as: UTF8.self).split(separator: "\n").map(String.init)
        var refused: [String] = []
        state.withLock { state in
            for (index, line) in lines.enumerated() {
                if let message = Self.conflict(line, known: &state.fieldTypes) {
                    let entry: [String: Any] = [
                        "original_line": String(decoding: line.utf8.prefix(20), as: UTF8.self),
                        "line_number": index + 1, "error_message": message,
                    ]
                    refused.append(
                        String(decoding: try! JSONSerialization.data(withJSONObject: entry), as: UTF8.self))
                } else {
                    state.written.append(line)
                }
            }
        }
        guard !refused.isEmpty else { return HTTPResponse(status: .noContent) }
        return HTTPResponse(
            status: .badRequest, contentType: "application/json",
            body: #"{"error":"partial write of line protocol occurred","data":["# + refused.joined(separator: ",")
                + "]}")
    }

    /// 3.x's message when a field's type differs from the one its table already has; nil if the line fits.
    private static func conflict(_ line: String, known: inout [String: [String: String]]) -> String? {
        let parts = line.split(separator: " ")
        guard parts.count >= 2 else { return "No fields were provided" }
        let table = String(parts[0].split(separator: ",")[0])
        for field in parts[1].split(separator: ",") {
            let pair = field.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, !pair[1].isEmpty else { return "No fields were provided" }
            let value = pair[1]
            let type =
                value.hasPrefix("\"")
                ? "string"
                : value.hasSuffix("i")
                    ? "integer"
                    : ["t", "f", "true", "false"].contains(value) ? "boolean" : "float"
            let name = String(pair[0])
            if let existing = known[table]?[name], existing != type {
                return "invalid column type for column '\(name)', expected iox::column_type::field::\(existing), "
                    + "got iox::column_type::field::\(type)"
            }
            known[table, default: [:]][name] = type
        }
        return nil
    }
}
