import Foundation
import Glibc

/// A real InfluxDB 1.x (`influxd` from Debian's `influxdb` package) on loopback ports, with its
/// data in a temporary directory; one per test process, each test using its own database.
public final class InfluxDServer: @unchecked Sendable {
    public let port: UInt16
    public let directory: String
    private var process = Process()

    public var url: String { "http://127.0.0.1:\(port)" }

    /// The shared server, started on first use. Missing `influxd` is a failure, never a skip.
    public static func shared() throws -> InfluxDServer {
        lock.lock()
        defer { lock.unlock() }
        if let server = instance { return server }
        // The ports are picked free but released before influxd binds them; retry if one was taken.
        var attempt = 0
        var started: InfluxDServer?
        while started == nil {
            attempt += 1
            do {
                started = try InfluxDServer()
            } catch  where attempt < 3 {
                continue
            }
        }
        let server = started!
        instance = server
        atexit { InfluxDServer.instance?.stop() }
        return server
    }

    nonisolated(unsafe) private static var instance: InfluxDServer?
    private static let lock = NSLock()

    public init() throws {
        guard Self.findExecutable("influxd") != nil else {
            throw TestError("influxd not found on PATH: install Debian's influxdb package (scripts/test does)")
        }
        directory = ScratchDirectory.path("influxd")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = try Self.freePort()
        let rpcPort = try Self.freePort()
        let config = """
            reporting-enabled = false
            bind-address = "127.0.0.1:\(rpcPort)"
            [meta]
              dir = "\(directory)/meta"
            [data]
              dir = "\(directory)/data"
              wal-dir = "\(directory)/wal"
              query-log-enabled = false
            [monitor]
              store-enabled = false
            [http]
              bind-address = "127.0.0.1:\(port)"
              log-enabled = false
            [subscriber]
              enabled = false
            [continuous_queries]
              enabled = false
            """
        try config.write(toFile: directory + "/influxdb.conf", atomically: true, encoding: .utf8)
        try launch()
    }

    private func launch() throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.findExecutable("influxd") ?? "influxd")
        process.arguments = ["run", "-config", directory + "/influxdb.conf"]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = try FileHandle(
            forWritingTo: URL(fileURLWithPath: Self.touch(directory + "/influxd.log")))
        try process.run()
        try waitUntilReady()
    }

    /// Stops the server but keeps its data, to simulate an outage.
    public func pause() {
        process.terminate()
        process.waitUntilExit()
    }

    /// Starts it again on the same port with the same data.
    public func resume() throws { try launch() }

    /// Writes line protocol straight to InfluxDB, bypassing the gateway.
    public func write(_ lineProtocol: String, database: String) throws {
        let connection = try RawConnection(port: port)
        try connection.send(
            "POST /write?db=\(Self.formEncode(database))&precision=ns HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Length: \(lineProtocol.utf8.count)\r\nConnection: close\r\n\r\n" + lineProtocol)
        let response = try connection.readResponse()
        guard response.status == 204 else { throw TestError("write failed: \(response.status) \(response.bodyText)") }
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Creates a fresh database and returns its name.
    public func createDatabase(_ prefix: String = "test") throws -> String {
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        _ = try query("CREATE DATABASE \"\(name)\"")
        return name
    }

    /// Runs InfluxQL through `/query` and returns the decoded JSON.
    public func query(_ text: String, database: String? = nil, parameters: [String: String] = [:]) throws -> [String:
        Any]
    {
        var form = "q=" + Self.formEncode(text) + "&epoch=ns"
        if let database { form += "&db=" + Self.formEncode(database) }
        if !parameters.isEmpty {
            let json = try JSONSerialization.data(withJSONObject: parameters)
            form += "&params=" + Self.formEncode(String(decoding: json, as: UTF8.self))
        }
        let connection = try RawConnection(port: port)
        try connection.send(
            "POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: \(form.utf8.count)\r\nConnection: close\r\n\r\n" + form)
        let response = try connection.readResponse()
        guard response.status == 200,
            let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        else {
            throw TestError("query failed: \(response.status) \(response.bodyText)")
        }
        return json
    }

    /// Every row of every series the query returns, as (measurement, column → value).
    public func rows(_ text: String, database: String, parameters: [String: String] = [:]) throws -> [(
        String, [String: Any]
    )] {
        let json = try query(text, database: database, parameters: parameters)
        var rows: [(String, [String: Any])] = []
        for result in json["results"] as? [[String: Any]] ?? [] {
            if let error = result["error"] as? String { throw TestError("InfluxQL error: \(error)") }
            for series in result["series"] as? [[String: Any]] ?? [] {
                let columns = series["columns"] as? [String] ?? []
                for values in series["values"] as? [[Any]] ?? [] {
                    rows.append(
                        (series["name"] as? String ?? "", Dictionary(uniqueKeysWithValues: zip(columns, values))))
                }
            }
        }
        return rows
    }

    private func waitUntilReady() throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let connection = try? RawConnection(port: port, receiveTimeout: 1),
                (try? connection.send("GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) != nil,
                let response = try? connection.readResponse(), response.status == 204
            {
                return
            }
            guard process.isRunning else { break }
            usleep(100_000)
        }
        let log = (try? String(contentsOfFile: directory + "/influxd.log", encoding: .utf8)) ?? ""
        stop()
        throw TestError("influxd did not become ready:\n\(log.suffix(2000))")
    }

    private static func touch(_ path: String) -> String {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        return path
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    public static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return (path.split(separator: ":") + ["/usr/bin", "/usr/sbin"]).map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A port nothing listens on right now (bound, read back, released). Another process may take it
    /// before the caller binds it; callers that need certainty use `ClosedPort`.
    public static func freePort() throws -> UInt16 { try ClosedPort().port }
}
