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

    private func run(_ arguments: [String], until: ((Process) throws -> Void)? = nil) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        try until?(process)
        let outText = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: outText, errors: errText)
    }

    @Test func usersAddPrintsTheTokenAloneAndListShowsTheName() throws {
        let directory = NSTemporaryDirectory() + "plantbuddy-cli-\(UUID().uuidString)"
        let added = try run(["users", "add", "rick sanchez", "--data-dir", directory])
        #expect(added.status == 0)
        #expect(added.output.hasPrefix("pbd_") && added.output.split(separator: "\n").count == 1)
        #expect(try run(["users", "list", "--data-dir", directory]).output == "rick sanchez\n")
        let duplicate = try run(["users", "add", "rick sanchez", "--data-dir", directory])
        #expect(duplicate.status == 1 && duplicate.errors.contains("already exists"))
    }

    @Test func badSettingStopsStartUpWithOneLineNamingIt() throws {
        let result = try run(["serve", "--listen", "nonsense"])
        #expect(result.status == 2)
        #expect(result.errors == "error: PLANTBUDDY_LISTEN: expected host:port, got 'nonsense'\n")
    }

    @Test func sigtermStopsTheServerCleanly() throws {
        let port = try InfluxDServer.freePort()
        let directory = NSTemporaryDirectory() + "plantbuddy-sig-\(UUID().uuidString)"
        let result = try run(["serve", "--listen", "127.0.0.1:\(port)", "--data-dir", directory]) { process in
            let deadline = Date().addingTimeInterval(10)
            while (try? RawConnection(port: port)) == nil && Date() < deadline { usleep(50_000) }
            let connection = try RawConnection(port: port)
            try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try connection.readResponse().status == 200)
            process.terminate()  // SIGTERM
        }
        #expect(result.status == 0)
        #expect(result.errors.contains("msg=stopped"))
    }
}
