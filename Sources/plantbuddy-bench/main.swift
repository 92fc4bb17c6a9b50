import CurlClient
import Foundation
import HTTPServer
import InfluxClient
import Observability
import SVGChart

// Benchmarks for bench/*.sh; not part of the product. Each prints one line per measurement.

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func parseCSV(_ data: [UInt8]) throws -> Int {
    var parser = AnnotatedCSVParser()
    var rows = 0
    try parser.feed(data) { if case .record = $0 { rows += 1 } }
    try parser.finish { if case .record = $0 { rows += 1 } }
    return rows
}

func csvFromFile(_ path: String) throws {
    let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    var rows = 0
    let best = try (0..<3).map { _ in try seconds { rows = try parseCSV(data) } }.min()!
    print(
        String(
            format: "swift file:   %d rows in %.3f s: %.0f rows/s, %.1f MB/s", rows, best, Double(rows) / best,
            Double(data.count) / best / 1e6))
}

/// The same bytes through a loopback HTTP response, parsed while they stream in through libcurl.
func csvFromStream(_ path: String) throws {
    let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    var router = Router()
    router.add(.get, "/csv") { _ in HTTPResponse(status: .ok, headers: ["Content-Type": "text/csv"], body: data) }
    var configuration = HTTPServerConfiguration()
    configuration.port = 0
    configuration.logger.level = .error
    let server = HTTPServer(configuration: configuration, responder: router)
    let port = try server.start()
    defer {
        server.shutdown()
        server.waitUntilStopped()
    }
    let client = CurlHTTPClient()
    var rows = 0
    let best = try (0..<3).map { _ in
        try seconds {
            var parser = AnnotatedCSVParser()
            rows = 0
            _ = try client.stream(HTTPClientRequest(url: "http://127.0.0.1:\(port)/csv")) { bytes in
                (try? parser.feed(bytes) { if case .record = $0 { rows += 1 } }) != nil
            }
            try parser.finish { if case .record = $0 { rows += 1 } }
        }
    }.min()!
    print(
        String(
            format: "swift stream: %d rows in %.3f s: %.0f rows/s, %.1f MB/s", rows, best, Double(rows) / best,
            Double(data.count) / best / 1e6))
}

func chart(points: Int, panels: Int) {
    let start = 1_700_000_000.0
    let span = 48 * 3600.0
    let perPanel = points / panels
    let chartPanels = (0..<panels).map { panel in
        let times = (0..<perPanel).map { start + span * Double($0) / Double(perPanel) }
        let values = times.map { 50 + 20 * sin(($0 - start) / 4000 + Double(panel)) + Double(Int($0) % 7) }
        return ChartPanel(
            title: "sensor_\(panel)", series: [ChartSeries(label: "device 01", times: times, values: values)])
    }
    let options = ChartOptions(start: start, end: start + span) { time, _ in String(Int(time) % 86_400 / 3600) }
    var svg = ""
    var timings = (0..<9).map { _ in seconds { svg = SVGChart.render(chartPanels, options: options) } }
    timings.sort()
    print(
        String(
            format: "chart %8d points, %d panels: median %.2f ms, max %.2f ms, %d bytes of SVG", points, panels,
            timings[4] * 1000, timings[8] * 1000, svg.utf8.count))
}

/// How many write + fdatasync rounds this disk sustains: the ceiling of any group commit on it.
func fsyncRate(directory: String, seconds duration: Double) {
    let path = directory + "/fsync-probe"
    let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { fatalError("cannot create \(path)") }
    defer {
        close(fd)
        unlink(path)
    }
    let record = [UInt8](repeating: 0x61, count: 512)
    var syncs = 0
    let elapsed = seconds {
        let end = DispatchTime.now().uptimeNanoseconds + UInt64(duration * 1e9)
        while DispatchTime.now().uptimeNanoseconds < end {
            _ = record.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(syncs * record.count)) }
            fdatasync(fd)
            syncs += 1
        }
    }
    print(String(format: "fsync: %d write+fdatasync rounds in %.2f s: %.0f/s", syncs, elapsed, Double(syncs) / elapsed))
}

/// A loopback stand-in for InfluxDB 2.x: `/ping` says 2.7, every query answers with FILE's bytes,
/// writes are accepted and dropped. With `version` 1.x (no file), InfluxDB 1.x's `/ping` and
/// `/write` instead. Runs until killed.
func serveInflux(csvPath: String?, port: UInt16, version: String) throws -> Never {
    let csv = try csvPath.map { try [UInt8](Data(contentsOf: URL(fileURLWithPath: $0))) } ?? []
    var router = Router()
    router.addNonBlocking(.get, "/ping") { _, reply in
        reply.send(HTTPResponse(status: .noContent, headers: ["X-Influxdb-Version": version]))
    }
    router.addNonBlocking(.post, "/write") { _, reply in reply.send(HTTPResponse(status: .noContent)) }
    router.addNonBlocking(.post, "/api/v2/query") { _, reply in
        reply.send(HTTPResponse(status: .ok, headers: ["Content-Type": "text/csv; charset=utf-8"], body: csv))
    }
    router.addNonBlocking(.post, "/api/v2/write") { _, reply in reply.send(HTTPResponse(status: .noContent)) }
    var configuration = HTTPServerConfiguration()
    configuration.port = port
    configuration.logger.level = .error
    try HTTPServer(configuration: configuration, responder: router).start()
    while true { sleep(3600) }
}

/// A loopback InfluxDB 3 answering the gateway's SQL from files: the tables, the chart's series
/// (`series`), the latest readings (`latest`, for the last-value cache or the latest query), all as `jsonl`.
func serveInfluxDB3(seriesPath: String, latestPath: String, port: UInt16) throws -> Never {
    let series = try [UInt8](Data(contentsOf: URL(fileURLWithPath: seriesPath)))
    let latest = try [UInt8](Data(contentsOf: URL(fileURLWithPath: latestPath)))
    let tables = Array(
        ["soil_moisture", "light", "humidity", "soil_temp", "air_temp"].map { #"{"table_name":"\#($0)"}"# + "\n" }
            .joined().utf8)
    var router = Router()
    router.addNonBlocking(.get, "/ping") { _, reply in
        reply.send(HTTPResponse(status: .ok, headers: ["X-Influxdb-Version": "3.0.1", "X-Influxdb-Build": "Core"]))
    }
    router.addNonBlocking(.post, "/api/v3/query_sql") { request, reply in
        let query = String(decoding: request.body, as: UTF8.self)
        let isLatest = query.contains("row_number") || query.contains("last_cache(")
        let body = query.contains("information_schema") ? tables : isLatest ? latest : series
        reply.send(HTTPResponse(status: .ok, headers: ["Content-Type": "application/jsonl"], body: body))
    }
    var configuration = HTTPServerConfiguration()
    configuration.port = port
    configuration.logger.level = .error
    try HTTPServer(configuration: configuration, responder: router).start()
    while true { sleep(3600) }
}

let arguments = CommandLine.arguments.dropFirst()
switch (arguments.first, arguments.dropFirst().first) {
case ("csv", let path?):
    try csvFromFile(path)
    try csvFromStream(path)
case ("chart", _):
    chart(points: 14_400, panels: 5)
    chart(points: 1_000_000, panels: 1)
case ("fsync", let directory?):
    fsyncRate(directory: directory, seconds: Double(arguments.dropFirst(2).first ?? "3") ?? 3)
case ("influx-v2", let path?):
    try serveInflux(csvPath: path, port: UInt16(arguments.dropFirst(2).first ?? "") ?? 8086, version: "v2.7.10")
case ("influx-v3", let path?):
    let rest = Array(arguments.dropFirst(2))
    try serveInfluxDB3(
        seriesPath: path, latestPath: rest.first ?? "", port: UInt16(rest.dropFirst().first ?? "") ?? 8181)
case ("influx-v1", let port?):
    try serveInflux(csvPath: nil, port: UInt16(port) ?? 8086, version: "1.8.10")
default:
    print(
        "usage: plantbuddy-bench csv FILE | chart | fsync DIR [SECONDS] | influx-v2 CSV-FILE PORT | "
            + "influx-v3 SERIES-JSONL LATEST-JSONL PORT | influx-v1 PORT"
    )
    exit(2)
}
