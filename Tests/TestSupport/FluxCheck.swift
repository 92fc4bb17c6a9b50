import Foundation

/// The official Flux parser and type checker (`../shared/tools/fluxcheck`, built from influxdata/flux),
/// found through `PLANTBUDDY_FLUXCHECK`. A clone outside this project has no such tool: tests that
/// need it are then skipped, saying why.
public enum FluxCheck {
    public static let path = ProcessInfo.processInfo.environment["PLANTBUDDY_FLUXCHECK"]

    public static var isAvailable: Bool { path.map { FileManager.default.isExecutableFile(atPath: $0) } ?? false }

    public static let unavailableReason =
        "PLANTBUDDY_FLUXCHECK does not name the official Flux checker (.ci/run sets it to ../shared/tools/fluxcheck)"

    /// The checker's errors for `script` (`LINE:COL: message`), empty when InfluxDB would accept it;
    /// with `types`, every call is also checked against the Flux standard library.
    public static func errors(in script: String, types: Bool = true) throws -> [String] {
        guard let path, isAvailable else { throw TestError(unavailableReason) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = (types ? ["--types"] : []) + ["-"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(script.utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        switch process.terminationStatus {
        case 0: return []
        case 1: return text.split(separator: "\n").map(String.init)
        default: throw TestError("fluxcheck failed (status \(process.terminationStatus)): \(text)")
        }
    }
}
