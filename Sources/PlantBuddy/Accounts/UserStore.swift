public import Foundation
import Glibc
import Hashing
import InfluxClient
import Observability
import Synchronization

/// The users file (`users.json` in the data directory).
///
/// Every change rewrites the file atomically (temp file, fsync, rename, fsync of the directory)
/// under an exclusive lock, so concurrent CLI calls cannot lose each other's changes, and then
/// bumps a change count (`users.changes`). A running server compares that count on every lookup
/// (a memory read) and notices a change on the next request: a rotated or removed token stops
/// working at once. A file edited by other means is noticed within a second.
public final class UserStore: Sendable {
    struct File: Codable {
        var version = 1
        var users: [UserRecord] = []
    }

    private struct Snapshot {
        /// The users file as loaded, kept open so checking it for changes needs no path lookup.
        var loaded: Int32 = -1
        var identity: FileIdentity?
        var byTokenDigest: [TokenDigest: UserRecord] = [:]
        var byName: [String: UserRecord] = [:]
        /// The change count the loaded file answers to, and when to look at the file itself again.
        var changeCount: UInt64?
        var nextFileCheck: UInt64 = 0
        var changes: ChangeCounter?
        /// Counts the loads: a record found at one load is current until the next.
        var generation: UInt64 = 0
    }

    /// A record a token digest found, and the load of the users file it was found in. A class: it
    /// is handed on with every device request, and a copy of the record was eight retains.
    final class FoundUser: Sendable {
        let record: UserRecord
        let generation: UInt64

        init(record: UserRecord, generation: UInt64) {
            self.record = record
            self.generation = generation
        }
    }

    public let path: String
    private let lockPath: String
    private let changesPath: String
    private let snapshot = Mutex(Snapshot())
    private static let fileCheckInterval: UInt64 = 1_000_000_000

    public init(dataDirectory: String) {
        path = dataDirectory + "/users.json"
        lockPath = dataDirectory + "/users.lock"
        changesPath = dataDirectory + "/users.changes"
    }

    deinit {
        snapshot.withLock { if $0.loaded >= 0 { close($0.loaded) } }
    }

    public static let tokenPrefix = "pbd_"

    /// The user a device token belongs to, or nil.
    public func user(forToken token: String) -> UserRecord? { user(forDigest: TokenDigest(of: token.utf8)) }

    /// The user whose token has this digest, or nil.
    func user(forDigest digest: TokenDigest) -> UserRecord? { user(forDigest: digest, found: nil)?.record }

    /// The same, given what the digest found before: while the users file has not been loaded
    /// again since, that is still the answer, and the digest is not looked up (a keep-alive device
    /// presents the same token on every request). Any change to the file is a new load.
    func user(forDigest digest: TokenDigest, found: FoundUser?) -> FoundUser? {
        reloadIfChanged()
        return snapshot.withLock { snapshot in
            if let found, found.generation == snapshot.generation { return found }
            return snapshot.byTokenDigest[digest].map { FoundUser(record: $0, generation: snapshot.generation) }
        }
    }

    public func list() throws(UserStoreError) -> [UserRecord] { try read().users }

    /// Every user as the running gateway knows them (no file read unless the file changed).
    public func allUsers() -> [UserRecord] {
        reloadIfChanged()
        return snapshot.withLock { Array($0.byName.values) }
    }

    /// The current record for a name (a removed user is gone at once).
    public func user(named name: String) -> UserRecord? {
        reloadIfChanged()
        return snapshot.withLock { $0.byName[name] }
    }

    /// Replaces a user's alert channels, after checking the webhook URL and address.
    public func setChannels(_ channels: NotificationChannels, for name: String) throws(UserStoreError) {
        if let webhook = channels.webhook, !(webhook.hasPrefix("http://") || webhook.hasPrefix("https://")) {
            throw .io("the webhook must be an http:// or https:// URL")
        }
        if let email = channels.email {
            let parts = email.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
                !email.contains(where: { $0.isWhitespace || "<>\",;".contains($0) })
            else { throw .io("'\(email)' is not an e-mail address") }
        }
        try modify { file throws(UserStoreError) in
            guard let index = file.users.firstIndex(where: { $0.name == name }) else { throw .notFound(name) }
            file.users[index].channels = channels
        }
    }

    public func setPasswordHash(_ hash: String, for name: String) throws(UserStoreError) {
        try modify { file throws(UserStoreError) in
            guard let index = file.users.firstIndex(where: { $0.name == name }) else { throw .notFound(name) }
            file.users[index].passwordHash = hash
        }
    }

    /// Creates a user and returns its new device token (to be shown once).
    public func add(_ name: String, passwordHash: String? = nil, now: Date = Date()) throws(UserStoreError) -> String {
        try Self.validate(name)
        return try modify { file throws(UserStoreError) in
            guard !file.users.contains(where: { $0.name == name }) else { throw .exists(name) }
            let token = Self.makeToken()
            file.users.append(
                UserRecord(
                    name: name, tokenSHA256: Hex.encode(SHA256.hash(token)), createdAt: now, passwordHash: passwordHash)
            )
            return token
        }
    }

    public func remove(_ name: String) throws(UserStoreError) {
        try modify { file throws(UserStoreError) in
            guard let index = file.users.firstIndex(where: { $0.name == name }) else { throw .notFound(name) }
            file.users.remove(at: index)
        }
    }

    /// Replaces a user's device token; the old one stops working immediately.
    public func rotateToken(_ name: String) throws(UserStoreError) -> String {
        try modify { file throws(UserStoreError) in
            guard let index = file.users.firstIndex(where: { $0.name == name }) else { throw .notFound(name) }
            let token = Self.makeToken()
            file.users[index].tokenSHA256 = Hex.encode(SHA256.hash(token))
            return token
        }
    }

    /// User names become the `user` tag on every point, so they must survive line protocol exactly:
    /// spaces, commas, `=`, quotes, backslashes and any letters are fine; line breaks, control
    /// characters and the few backslash placements InfluxDB cannot unescape are not.
    public static func validate(_ name: String) throws(UserStoreError) {
        guard !name.isEmpty, name.utf8.count <= 128 else { throw .invalidName("must be 1 to 128 bytes") }
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw .invalidName("must not contain control characters")
        }
        guard name.first?.isWhitespace == false, name.last?.isWhitespace == false else {
            throw .invalidName("must not start or end with whitespace")
        }
        do {
            _ = try LineProtocol.escape(name, as: .tagValue)
        } catch {
            throw .invalidName(error.reason)
        }
    }

    private static func makeToken() -> String {
        let base64 = Data(SecureRandom.bytes(32)).base64EncodedString()
        return tokenPrefix
            + base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    // MARK: File handling

    /// Runs on every device request, so the usual case is one memory read: the change count is
    /// what it was when the file was loaded, and the last look at the file is under a second old.
    /// Otherwise an `fstat` of the file as loaded tells: the atomic writer renames a new file over
    /// it (its link count drops to 0), and an edit in place changes its size or time. Only then is
    /// the path looked up and the file read again.
    private func reloadIfChanged() {
        let now = MonotonicClock.nanoseconds()
        let current = snapshot.withLock { snapshot -> Bool in
            if snapshot.changes == nil { snapshot.changes = ChangeCounter(path: changesPath) }
            let count = snapshot.changes?.current
            guard snapshot.loaded >= 0 else { return false }
            if count != nil && count == snapshot.changeCount && now < snapshot.nextFileCheck { return true }
            guard FileIdentity(descriptor: snapshot.loaded) == snapshot.identity else { return false }
            snapshot.changeCount = count
            snapshot.nextFileCheck = now + Self.fileCheckInterval
            return true
        }
        if current { return }
        // Read before the file: a bump after this read means a file newer than the one read here.
        let count = snapshot.withLock { $0.changes?.current }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        let identity = fd >= 0 ? FileIdentity(descriptor: fd) : nil
        guard snapshot.withLock({ $0.identity != identity || $0.loaded < 0 }) else {
            if fd >= 0 { close(fd) }
            return
        }
        let data = fd >= 0 ? (try? FileHandle(fileDescriptor: fd, closeOnDealloc: false).readToEnd()) : nil
        let users = data.flatMap { try? Self.decoder.decode(File.self, from: $0).users } ?? []
        snapshot.withLock { snapshot in
            if snapshot.loaded >= 0 { close(snapshot.loaded) }
            snapshot.loaded = fd
            snapshot.identity = identity
            snapshot.byTokenDigest = Dictionary(
                users.compactMap { user in Hex.decode(user.tokenSHA256).flatMap(TokenDigest.init).map { ($0, user) } },
                uniquingKeysWith: { first, _ in first })
            snapshot.byName = Dictionary(users.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            snapshot.changeCount = count
            snapshot.nextFileCheck = now + Self.fileCheckInterval
            snapshot.generation += 1
        }
    }

    private func read() throws(UserStoreError) -> File {
        guard let data = FileManager.default.contents(atPath: path) else { return File() }
        do {
            return try Self.decoder.decode(File.self, from: data)
        } catch {
            throw .io("\(path) is not a valid users file: \(error)")
        }
    }

    func modify<T>(_ change: (inout File) throws(UserStoreError) -> T) throws(UserStoreError) -> T {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io("cannot create data directory \(directory): \(error.localizedDescription)")
        }
        let lock = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw .io("cannot open \(lockPath): errno \(errno)") }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else { throw .io("cannot lock \(lockPath): errno \(errno)") }
        var file = try read()
        let result = try change(&file)
        let data: Data
        do {
            data = try Self.encoder.encode(file)
        } catch {
            throw .io("cannot encode users: \(error)")
        }
        do throws(AtomicFileError) {
            try AtomicFile.write(data, to: path, mode: 0o600)
        } catch {
            throw .io(error.description)
        }
        // Best effort: were the count not written, running servers would still notice the new file
        // by their once-a-second look at it.
        ChangeCounter.bump(path: changesPath)
        return result
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
