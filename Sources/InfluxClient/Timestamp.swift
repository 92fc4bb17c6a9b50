/// A UTC instant with nanosecond precision, wide enough for any RFC 3339 year InfluxDB writes.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var seconds: Int64
    /// 0 ..< 1_000_000_000
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public init(nanosecondsSinceEpoch value: Int64) {
        seconds = value / 1_000_000_000
        nanoseconds = Int32(value % 1_000_000_000)
        if nanoseconds < 0 {
            seconds -= 1
            nanoseconds += 1_000_000_000
        }
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// Parses RFC 3339 (`2020-02-27T16:20:00Z`, `…00.5+02:00`, up to nine fraction digits).
    public init?(rfc3339 text: some StringProtocol) {
        var utf8 = Array(text.utf8)
        guard let parsed = utf8.withUnsafeMutableBytes({ Self.parse(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    /// RFC 3339 whose zone may be left out, meaning UTC (`2026-12-02T10:00:00.5`, as InfluxDB 3's
    /// SQL answers write times).
    public init?(utcWithoutZone text: some StringProtocol) {
        var utf8 = Array(text.utf8)
        if let last = utf8.last, last &- 48 < 10 { utf8.append(UInt8(ascii: "Z")) }
        guard let parsed = utf8.withUnsafeMutableBytes({ Self.parse(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    /// The same, straight from bytes (the CSV parser's hot path: no String is made).
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Timestamp? {
        var cache = DateCache()
        return parse(bytes, dateCache: &cache)
    }

    /// The last date part parsed (`YYYY-MM-DD`, its ten bytes) and its day number. A response's rows
    /// mostly share dates, and deriving the day number again was 8 % of parsing one.
    struct DateCache {
        fileprivate var key: (UInt64, UInt16) = (0, 0)
        fileprivate var days: Int64?
    }

    static func parse(_ bytes: UnsafeRawBufferPointer, dateCache: inout DateCache) -> Timestamp? {
        @inline(__always) func number(_ start: Int, _ end: Int) -> Int64? {
            guard end <= bytes.count else { return nil }
            var value: Int64 = 0
            for index in start..<end {
                let digit = bytes[index] &- 48
                guard digit < 10 else { return nil }
                value = value &* 10 &+ Int64(digit)
            }
            return value
        }
        guard bytes.count >= 20, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let hour = number(11, 13), let minute = number(14, 16), let second = number(17, 19),
            hour < 24, minute < 60, second < 61
        else { return nil }
        let key = (bytes.loadUnaligned(as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
        let days: Int64
        if let cached = dateCache.days, dateCache.key == key {
            days = cached
        } else {
            guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
                let year = number(0, 4), let month = number(5, 7), let day = number(8, 10),
                (1...12).contains(month), (1...31).contains(day)
            else { return nil }
            days = daysFromCivil(year: year, month: month, day: day)
            dateCache = DateCache(key: key, days: days)
        }
        var index = 19
        var nanos: Int64 = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] &- 48 < 10 {
                guard digits < 9 else { return nil }
                nanos = nanos * 10 + Int64(bytes[index] - 48)
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<9 { nanos *= 10 }
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds: Int64 = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, bytes[index + 3] == UInt8(ascii: ":"),
                let hours = number(index + 1, index + 3), let minutes = number(index + 4, index + 6)
            else { return nil }
            offsetSeconds = (hours * 3600 + minutes * 60) * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return nil
        }
        return Timestamp(
            seconds: days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds, nanoseconds: Int32(nanos))
    }

    /// RFC 3339 in UTC, the fraction trimmed of trailing zeros (`2020-02-27T16:20:00Z`).
    public var description: String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Self.civil(fromDays: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        var text =
            "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if nanoseconds > 0 {
            var fraction = pad(Int64(nanoseconds), 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
