import Foundation
import Glibc
import Synchronization

/// The `plantbuddy serve` binary as a child process, for tests that signal or kill it.
/// Its log is drained continuously (a full pipe would block the server) and kept for assertions.
public final class GatewayProcess: Sendable {
    public let port: UInt16
    private let process: Process
    private let output = LogText()
    private let drained = DispatchSemaphore(value: 0)

    /// Starts the binary with `--listen 127.0.0.1:0` added and waits until it reports its port.
    public init(binary: String, arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--listen", "127.0.0.1:0"] + arguments
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        self.process = process
        let reader = pipe.fileHandleForReading
        Thread.detachNewThread { [output, drained] in
            while true {
                let data = reader.availableData
                if data.isEmpty { break }
                output.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
            drained.signal()
        }
        // The server logs the port it was given: `msg=listening address=127.0.0.1:PORT`.
        let deadline = Date().addingTimeInterval(20)
        var port: UInt16?
        while port == nil && Date() < deadline && process.isRunning {
            port = output.text.withLock { log in
                log.split(separator: "msg=listening address=127.0.0.1:").dropFirst().first.flatMap {
                    UInt16($0.prefix { $0.isNumber })
                }
            }
            if port == nil { usleep(20_000) }
        }
        guard let port else {
            process.terminate()
            throw TestError("gateway did not start: \(output.text.withLock { $0 })")
        }
        self.port = port
    }

    public var log: String { output.text.withLock { $0 } }
    public var isRunning: Bool { process.isRunning }
    public var processID: Int32 { process.processIdentifier }

    public func signal(_ number: Int32) { kill(processID, number) }

    /// Waits for the process to end and its log to be read to the end; returns its exit status.
    @discardableResult
    public func waitForExit() -> Int32 {
        process.waitUntilExit()
        drained.wait()
        return process.terminationStatus
    }
}

private final class LogText: Sendable {
    let text = Mutex<String>("")
}
