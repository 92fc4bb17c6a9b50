import Glibc

/// Decimal text to Double: the exact fast path (at most 15 significant digits and 22 fraction
/// digits, where one correctly rounded division gives the correctly rounded result), else the
/// standard library's parser. `NaN`, `+Inf` and `-Inf` are Flux's spellings.
enum FastDouble {
    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> Double? {
        var index = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var sawDot = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte &- 48 < 10 {
                mantissa = mantissa &* 10 &+ UInt64(byte - 48)
                if mantissa > 0 { digits += 1 }
                if sawDot { fractionDigits += 1 }
            } else if byte == UInt8(ascii: ".") && !sawDot {
                sawDot = true
            } else {
                return slowPath(bytes)
            }
            index += 1
        }
        guard index > (negative || bytes[0] == UInt8(ascii: "+") ? 1 : 0), digits <= 15, fractionDigits <= 22 else {
            return slowPath(bytes)
        }
        let value = Double(mantissa) / powersOfTen[fractionDigits]
        return negative ? -value : value
    }

    private static func slowPath(_ bytes: UnsafeRawBufferPointer) -> Double? {
        let text = String(decoding: bytes, as: UTF8.self)
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            guard let value = Double(text), value.isFinite else { return nil }
            return value
        }
    }
}

extension FixedWidthInteger {
    /// An optionally signed decimal integer from bytes, nil on anything else or overflow.
    init?(decimal bytes: UnsafeRawBufferPointer) {
        var index = 0
        var negative = false
        if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            guard !negative || Self.isSigned else { return nil }
            index = 1
        }
        guard index < bytes.count else { return nil }
        var value: Self = 0
        while index < bytes.count {
            let digit = bytes[index] &- 48
            guard digit < 10 else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) =
                negative
                ? shifted.subtractingReportingOverflow(Self(digit)) : shifted.addingReportingOverflow(Self(digit))
            guard !overflow, !overflow2 else { return nil }
            value = next
            index += 1
        }
        self = value
    }
}
