import Foundation
import TestSupport
import Testing

/// The `plantbuddy` binary as an operator runs it: exit codes, output, signals.
@Suite struct ExecutableTests {
    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("plantbuddy")
            .path
    }

    struct Run {
        let status: Int32
        let output: String
        let errors: String
    }

    private func run(_ arguments: [String], input: String? = nil) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        let stdin = Pipe()
        process.standardInput = stdin
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        stdin.fileHandleForWriting.write(Data((input ?? "").utf8))
        try stdin.fileHandleForWriting.close()
        let outText = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: outText, errors: errText)
    }

    @Test func usersAddPrintsTheTokenAloneAndListShowsTheName() throws {
        let directory = ScratchDirectory.path("cli")
        let added = try run(["users", "add", "rick sanchez", "--data-dir", directory])
        #expect(added.status == 0)
        #expect(added.output.hasPrefix("pbd_") && added.output.split(separator: "\n").count == 1)
        #expect(try run(["users", "list", "--data-dir", directory]).output == "rick sanchez\n")
        let withPassword = try run(
            ["users", "add", "morty", "--password-stdin", "--data-dir", directory, "--password-iterations", "1000"],
            input: "jessica\n")
        #expect(withPassword.status == 0 && withPassword.output.hasPrefix("pbd_"))
        let changed = try run(
            [
                "users", "set-password", "morty", "--password-stdin", "--data-dir", directory, "--password-iterations",
                "1000",
            ], input: "summer\n")
        #expect(changed.status == 0)
        let users = try String(contentsOfFile: directory + "/users.json", encoding: .utf8)
        #expect(users.contains("pbkdf2-sha256$1000$") && !users.contains("summer") && !users.contains("jessica"))
        #expect(try run(["users", "set-password", "morty", "--data-dir", directory]).status == 2)
        let duplicate = try run(["users", "add", "rick sanchez", "--data-dir", directory])
        #expect(duplicate.status == 1 && duplicate.errors.contains("already exists"))
    }

    /// The documented JSON shape, exactly, for a table and for an in-stream error.
    @Test func csvCommandPrintsTablesAsJSON() throws {
        let table = try run(
            ["csv"],
            input: "#datatype,string,long,double,dateTime:RFC3339\r\n#group,false,false,false,true\r\n"
                + "#default,_result,,,\r\n,result,table,_value,_time\r\n,,0,2.5,2020-02-27T16:20:00.000Z\r\n,,0,,")
        #expect(table.status == 0)
        #expect(
            table.output
                == #"{"ok":true,"tables":[{"result":"_result","table":0,"columns":["#
                + #"{"name":"result","type":"string","group":false,"default":"_result"},"#
                + #"{"name":"table","type":"long","group":false,"default":""},"#
                + #"{"name":"_value","type":"double","group":false,"default":""},"#
                + #"{"name":"_time","type":"dateTime:RFC3339","group":true,"default":""}],"records":["#
                + #"{"result":"_result","table":0,"_value":2.5,"_time":"2020-02-27T16:20:00Z"},"#
                + #"{"result":"_result","table":0,"_value":null,"_time":null}]}]}"# + "\n")
        let failure = try run(
            ["csv"], input: "#datatype,string,string\n,error,reference\n,\"bucket \"\"x\"\" not found\",\n")
        #expect(failure.status == 1)
        #expect(failure.output == #"{"ok":false,"error":"bucket \"x\" not found","reference":""}"# + "\n")
    }

    @Test func renderDrawsAnnotatedCSVAsSVG() throws {
        let directory = ScratchDirectory.path("render")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let csv =
            "#datatype,string,long,dateTime:RFC3339,double,string,string\n#group,false,false,false,false,true,true\n"
            + "#default,readings,,,,,\n,result,table,_time,_value,_measurement,device_id\n"
            + ",,0,2024-05-01T10:00:00Z,40,soil_moisture,01\n,,0,2024-05-01T10:05:00Z,38.5,soil_moisture,01\n"
            + ",,1,2024-05-01T10:00:00Z,700,light,<b>\n"
        try csv.write(toFile: directory + "/results.csv", atomically: true, encoding: .utf8)
        let result = try run(["render", "--input", directory + "/results.csv", "--output", directory + "/graph.svg"])
        #expect(result.status == 0)
        let svg = try String(contentsOfFile: directory + "/graph.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>"))
        #expect(svg.contains(#"data-title="soil_moisture""#) && svg.contains(#"data-title="light""#))
        #expect(svg.contains("device &lt;b&gt;") && !svg.contains("<b>"))
        #expect(try run(["render", "--input", directory + "/missing.csv"]).status == 2)
    }

    @Test func badSettingStopsStartUpWithOneLineNamingIt() throws {
        let result = try run(["serve", "--listen", "nonsense"])
        #expect(result.status == 2)
        #expect(result.errors == "error: PLANTBUDDY_LISTEN: expected host:port, got 'nonsense'\n")
    }

    /// The container HEALTHCHECK: exit 0 when the gateway answers /ready, 1 when nothing does.
    @Test func healthcheckCommandProbesTheGateway() throws {
        try withGateway(scratch: "healthcheck") { gateway in
            let probe = try run(["healthcheck", "--listen", "0.0.0.0:\(gateway.port)"])
            #expect(probe.status == 0)
        }
        let closed = try ClosedPort()
        #expect(try run(["healthcheck", "--listen", "127.0.0.1:\(closed.port)"]).status == 1)
    }

    /// Runs `body` against a gateway on a fresh data directory, and stops it with SIGTERM after.
    private func withGateway(scratch name: String, _ body: (GatewayProcess) throws -> Void) throws {
        let gateway = try GatewayProcess(binary: Self.binary, arguments: ["--data-dir", ScratchDirectory.path(name)])
        defer {
            gateway.signal(SIGTERM)
            gateway.waitForExit()
        }
        try body(gateway)
    }

    /// An idle gateway sleeps: its event loops wait for a socket, a tick or the forwarder's deadline,
    /// and the second loop, which has no forwarder, for a socket or a tick (a loop that waited for
    /// nothing spun a CPU, and took it from every other thread there).
    @Test func anIdleGatewayUsesAlmostNoCPU() throws {
        let gateway = try GatewayProcess(
            binary: Self.binary, arguments: ["--data-dir", ScratchDirectory.path("idle"), "--io-threads", "2"])
        defer {
            gateway.signal(SIGTERM)
            gateway.waitForExit()
        }
        let before = try Self.cpuTicks(of: gateway.processID)
        sleep(2)
        // 200 ticks is two seconds of one CPU; a spinning loop takes nearly all of them.
        #expect(try Self.cpuTicks(of: gateway.processID) - before < 40)
    }

    /// The user and kernel clock ticks a process has used (/proc/PID/stat, after the name's ")").
    private static func cpuTicks(of process: Int32) throws -> Int {
        let stat = try String(contentsOfFile: "/proc/\(process)/stat", encoding: .utf8)
        let fields = stat[stat.index(after: try #require(stat.lastIndex(of: ")")))...].split(separator: " ")
        return try #require(Int(fields[11])) + #require(Int(fields[12]))
    }

    @Test func sigtermStopsTheServerCleanly() throws {
        let directory = ScratchDirectory.path("signals")
        let gateway = try GatewayProcess(binary: Self.binary, arguments: ["--data-dir", directory])
        let connection = try RawConnection(port: gateway.port)
        try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try connection.readResponse().status == 200)
        gateway.signal(SIGTERM)
        #expect(gateway.waitForExit() == 0)
        #expect(gateway.log.contains("msg=stopped"))
    }
}
