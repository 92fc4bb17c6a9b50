public import Foundation
import Hashing
import Synchronization

/// One alert for one user, as `/notify` received it.
public struct PlantNotification: Codable, Equatable, Sendable {
    public var user: String
    public var deviceID: String?
    public var sensor: String?
    public var level: String
    public var message: String
    /// When the status happened (RFC 3339 as InfluxDB sent it), or when it was received.
    public var time: String
    public var checkID: String?
    public var receivedAt: Date

    enum CodingKeys: String, CodingKey {
        case user, sensor, level, message, time
        case deviceID = "device_id"
        case checkID = "check_id"
        case receivedAt = "received_at"
    }

    /// The same status delivered twice has the same key.
    var deduplicationKey: String {
        [checkID ?? "", user, deviceID ?? "", sensor ?? "", level, time].joined(separator: "\u{1F}")
    }
}

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
            try AtomicFile.write(data, to: path, mode: 0o600)
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
