import Foundation
import Hashing
import Synchronization

/// Each user's recent notifications, newest last, in `<data dir>/notifications/<hash of name>.json`
/// (bounded; the oldest are pruned). Written atomically before `/notify` answers.
public final class NotificationStore: Sendable {
    private let directory: String
    private let limit: Int
    private let cache = Mutex<[String: [PlantNotification]]>([:])

    public init(dataDirectory: String, limit: Int = 100) {
        directory = dataDirectory + "/notifications"
        self.limit = limit
    }

    /// Stores the notification unless an identical one is already there. True if it was new.
    func add(_ notification: PlantNotification) throws(UserStoreError) -> Bool {
        let path = self.path(for: notification.user)
        return try cache.withLock { cache throws(UserStoreError) -> Bool in
            var list = cache[notification.user] ?? Self.load(path)
            guard !list.contains(where: { $0.deduplicationKey == notification.deduplicationKey }) else { return false }
            list.append(notification)
            if list.count > limit { list.removeFirst(list.count - limit) }
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .io("cannot create \(directory): \(error.localizedDescription)")
            }
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            guard let data = try? encoder.encode(list) else { throw .io("cannot encode notifications") }
            do throws(AtomicFileError) {
                try AtomicFile.write(data, to: path, mode: 0o600)
            } catch {
                throw .io(error.description)
            }
            cache[notification.user] = list
            return true
        }
    }

    /// Newest first.
    public func recent(for user: String, count: Int = 10) -> [PlantNotification] {
        let path = self.path(for: user)
        let list = cache.withLock { cache in
            if cache[user] == nil { cache[user] = Self.load(path) }
            return cache[user] ?? []
        }
        return Array(list.suffix(count).reversed())
    }

    /// The alerts open now: per rule (check), device and sensor, the newest notification, when it
    /// is not a recovery. Newest first.
    public func openAlerts(for user: String) -> [PlantNotification] {
        var seen = Set<String>()
        var open: [PlantNotification] = []
        for notification in recent(for: user, count: limit) {
            let key = [notification.checkID ?? "", notification.deviceID ?? "", notification.sensor ?? ""]
                .joined(separator: "\u{1F}")
            guard seen.insert(key).inserted else { continue }
            if notification.level != "ok" { open.append(notification) }
        }
        return open
    }

    /// File names from a hash: user names may hold any character.
    private func path(for user: String) -> String {
        directory + "/" + Hex.encode(SHA256.hash(user).prefix(16)) + ".json"
    }

    private static func load(_ path: String) -> [PlantNotification] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? decoder.decode([PlantNotification].self, from: data)) ?? []
    }
}
