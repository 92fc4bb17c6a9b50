import Foundation
import Synchronization

/// Paths for tests' scratch files, all under one directory per test process that is removed when
/// the process exits, so runs leave nothing behind (a test failing half-way included).
public enum ScratchDirectory {
    private static let root: String = {
        let root = NSTemporaryDirectory() + "plantbuddy-tests-\(getpid())-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: ScratchDirectory.root) }
        return root
    }()

    /// A fresh path named after `purpose`; nothing exists there yet.
    public static func path(_ purpose: String) -> String { root + "/\(purpose)-\(UUID().uuidString)" }
}
