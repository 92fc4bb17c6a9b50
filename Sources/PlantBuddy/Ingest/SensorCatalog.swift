/// Maps the devices' two-letter sensor codes to measurement names. Configurable
/// (`PLANTBUDDY_SENSORS`), so a new sensor needs no code change.
public struct SensorCatalog: Sendable, Equatable {
    public let measurements: [String: String]
    /// The same, by a code's two letters (`A`–`Z`, as configured codes are) as an index into a table
    /// of all 676 codes: every device line is looked up here, and indexing needs neither a String
    /// for the code nor hashing.
    private let byCode: [String?]

    public static let standard = SensorCatalog(unchecked: [
        "LI": "light", "HU": "humidity", "ST": "soil_temp", "AT": "air_temp", "SM": "soil_moisture",
    ])

    private init(unchecked measurements: [String: String]) {
        self.measurements = measurements
        byCode = Self.index(measurements)
    }

    private static func index(_ measurements: [String: String]) -> [String?] {
        var byCode = [String?](repeating: nil, count: 26 * 26)
        for (code, name) in measurements {
            let bytes = Array(code.utf8)
            if bytes.count == 2, let slot = slot(bytes[0], bytes[1]) { byCode[slot] = name }
        }
        return byCode
    }

    private static func slot(_ first: UInt8, _ second: UInt8) -> Int? {
        let letters = UInt8(ascii: "A")...UInt8(ascii: "Z")
        guard letters.contains(first), letters.contains(second) else { return nil }
        return Int(first - UInt8(ascii: "A")) * 26 + Int(second - UInt8(ascii: "A"))
    }

    /// Parses `SM=soil_moisture,LI=light,…`.
    public init(parsing text: String) throws(ConfigurationError) {
        var measurements: [String: String] = [:]
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: " ") }
            guard parts.count == 2, parts[0].utf8.count == 2, parts[0].allSatisfy({ $0.isASCII && $0.isUppercase }),
                !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            else {
                throw ConfigurationError(
                    setting: "PLANTBUDDY_SENSORS",
                    message: "expected CODE=measurement pairs like SM=soil_moisture, got '\(entry)'")
            }
            measurements[parts[0]] = parts[1]
        }
        guard !measurements.isEmpty else {
            throw ConfigurationError(setting: "PLANTBUDDY_SENSORS", message: "names no sensors")
        }
        self.measurements = measurements
        byCode = Self.index(measurements)
    }

    public func measurement(for code: String) -> String? { measurements[code] }

    /// The measurement for a code as a device line carries it: two bytes.
    func measurement(code first: UInt8, _ second: UInt8) -> String? { Self.slot(first, second).flatMap { byCode[$0] } }

    public var description: String {
        measurements.keys.sorted().map { "\($0)=\(measurements[$0]!)" }.joined(separator: ",")
    }
}

extension String {
    func trimmingCharacters(in characters: String) -> String {
        var text = Substring(self)
        while let first = text.first, characters.contains(first) { text.removeFirst() }
        while let last = text.last, characters.contains(last) { text.removeLast() }
        return String(text)
    }
}

extension Substring {
    func trimmingCharacters(in characters: String) -> String { String(self).trimmingCharacters(in: characters) }
}
