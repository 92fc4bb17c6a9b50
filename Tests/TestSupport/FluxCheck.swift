import Foundation
import Glibc

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
    ///
    /// The script and the checker's output go through files and `posix_spawn`, not Foundation's
    /// `Process` and pipes: the tests run in parallel with servers opening and closing descriptors,
    /// and nothing here may close a descriptor that is not its own.
    public static func errors(in script: String, types: Bool = true) throws -> [String] {
        guard let path, isAvailable else { throw TestError(unavailableReason) }
        let input = ScratchDirectory.path("flux") + ".flux"
        let output = input + ".out"
        try script.write(toFile: input, atomically: false, encoding: .utf8)
        defer {
            unlink(input)
            unlink(output)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let arguments = [path] + (types ? ["--types"] : []) + [input]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, path, &actions, nil, &argv, environ)
        guard spawned == 0 else { throw TestError("cannot run \(path): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        let exitCode = (status >> 8) & 0xff
        switch exitCode {
        case 0: return []
        case 1: return text.split(separator: "\n").map(String.init)
        default: throw TestError("fluxcheck failed (status \(exitCode)): \(text)")
        }
    }
}
