import Foundation

/// How Linux schedules one thread of a running process, read from `/proc/PID/task/TID/stat`.
public struct ThreadScheduling: Sendable {
    /// SCHED_OTHER 0, SCHED_BATCH 3, SCHED_IDLE 5.
    public let policy: Int
    public let nice: Int

    /// The first thread of `processID` whose name (`comm`) is `name`.
    public static func named(_ name: String, in processID: Int32) -> ThreadScheduling? {
        let tasks = "/proc/\(processID)/task"
        for thread in (try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? [] {
            let directory = "\(tasks)/\(thread)"
            guard read("\(directory)/comm")?.trimmingCharacters(in: .newlines) == name,
                let stat = read("\(directory)/stat"), let afterName = stat.range(of: ")", options: .backwards)
            else { continue }
            // The fields after the parenthesised name start at the third, the state; nice is the
            // 19th and policy the 41st (proc_pid_stat(5)).
            let fields = stat[afterName.upperBound...].split(separator: " ")
            guard fields.count > 38, let nice = Int(fields[16]), let policy = Int(fields[38]) else { return nil }
            return ThreadScheduling(policy: policy, nice: nice)
        }
        return nil
    }

    private static func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }
}
