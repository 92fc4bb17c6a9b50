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

    private func run(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
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
        let directory = NSTemporaryDirectory() + "plantbuddy-sig-\(UUID().uuidString)"
        let gateway = try GatewayProcess(binary: Self.binary, arguments: ["--data-dir", directory])
        let connection = try RawConnection(port: gateway.port)
        try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try connection.readResponse().status == 200)
        gateway.signal(SIGTERM)
        #expect(gateway.waitForExit() == 0)
        #expect(gateway.log.contains("msg=stopped"))
    }
}
