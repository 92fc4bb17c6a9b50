/// A push parser for JSON (RFC 8259): bytes go in as they arrive, in chunks of any size, and events
/// come out token by token, so memory stays bounded by the longest string or number and the nesting
/// depth, whatever the size of the answer. A stream may hold any number of top-level values separated
/// by whitespace: JSON Lines (InfluxDB 3's `jsonl`) and one JSON document alike.
public struct JSONStreamParser {
    /// The longest string or number accepted, in bytes as sent (escapes included).
    public let maxTokenBytes: Int
    /// The deepest nesting of objects and arrays accepted.
    public let maxDepth: Int

    private enum Expect { case value, valueOrArrayEnd, keyOrObjectEnd, key, colon, commaOrEnd }
    private enum Pending {
        case none, string(afterBackslash: Bool), bare

        var isString: Bool {
            if case .string = self { true } else { false }
        }
    }

    private var expect = Expect.value
    /// One entry per open container: true for an object, false for an array.
    private var openContainers: [Bool] = []
    /// A string or number that the previous chunk cut: its bytes so far, and where the scan stopped.
    private var pending = Pending.none
    private var carry: [UInt8] = []
    /// Where in the stream the carried token starts, for error offsets.
    private var carryOffset = 0
    private var unescaped: [UInt8] = []
    /// Bytes of the stream before the current chunk, for error offsets.
    private var consumed = 0

    public init(maxTokenBytes: Int = 1 << 20, maxDepth: Int = 64) {
        self.maxTokenBytes = maxTokenBytes
        self.maxDepth = maxDepth
    }

    public mutating func feed(_ bytes: [UInt8], _ emit: (JSONEvent) -> Void) throws(JSONStreamError) {
        try withBytes(of: bytes) { buffer throws(JSONStreamError) in try feed(buffer, emit) }
    }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ emit: (JSONEvent) -> Void) throws(JSONStreamError) {
        var index = 0
        switch pending {
        case .none: break
        case .string(let afterBackslash):
            guard let end = Self.stringEnd(bytes, from: 0, afterBackslash: afterBackslash) else {
                try carryOn(bytes, from: 0, as: .string(afterBackslash: Self.endsInsideEscape(bytes, afterBackslash)))
                return
            }
            carry += bytes[0..<end]
            try finishCarried(emit, isString: true)
            index = end + 1
        case .bare:
            let end = Self.bareEnd(bytes, from: 0)
            guard end < bytes.count else {
                try carryOn(bytes, from: 0, as: .bare)
                return
            }
            carry += bytes[0..<end]
            try finishCarried(emit, isString: false)
            index = end
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D:
                index += 1
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard expectsValue else { throw unexpected(byte, at: index) }
                guard openContainers.count < maxDepth else { throw .tooDeep(limit: maxDepth) }
                let isObject = byte == UInt8(ascii: "{")
                openContainers.append(isObject)
                expect = isObject ? .keyOrObjectEnd : .valueOrArrayEnd
                emit(isObject ? .objectStart : .arrayStart)
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                let isObject = byte == UInt8(ascii: "}")
                let emptyClose = isObject ? expect == .keyOrObjectEnd : expect == .valueOrArrayEnd
                guard emptyClose || (expect == .commaOrEnd && openContainers.last == isObject) else {
                    throw unexpected(byte, at: index)
                }
                openContainers.removeLast()
                emit(isObject ? .objectEnd : .arrayEnd)
                valueEnded()
                index += 1
            case UInt8(ascii: ","):
                guard expect == .commaOrEnd, let inObject = openContainers.last else {
                    throw unexpected(byte, at: index)
                }
                expect = inObject ? .key : .value
                index += 1
            case UInt8(ascii: ":"):
                guard expect == .colon else { throw unexpected(byte, at: index) }
                expect = .value
                index += 1
            case UInt8(ascii: "\""):
                guard expectsValue || expectsKey else { throw unexpected(byte, at: index) }
                guard let end = Self.stringEnd(bytes, from: index + 1, afterBackslash: false) else {
                    let cut = UnsafeRawBufferPointer(rebasing: bytes[(index + 1)...])
                    try carryOn(bytes, from: index + 1, as: .string(afterBackslash: Self.endsInsideEscape(cut, false)))
                    return
                }
                try checkLength(end - index - 1)
                try emitString(UnsafeRawBufferPointer(rebasing: bytes[(index + 1)..<end]), at: consumed + index, emit)
                index = end + 1
            default:
                guard expectsValue else { throw unexpected(byte, at: index) }
                let end = Self.bareEnd(bytes, from: index)
                guard end < bytes.count else {
                    try carryOn(bytes, from: index, as: .bare)
                    return
                }
                try checkLength(end - index)
                try emitBare(UnsafeRawBufferPointer(rebasing: bytes[index..<end]), at: consumed + index, emit)
                index = end
            }
        }
        consumed += bytes.count
    }

    /// The end of the stream: a number or literal the last chunk ended on is complete; anything
    /// else left open is an error.
    public mutating func finish(_ emit: (JSONEvent) -> Void) throws(JSONStreamError) {
        if case .bare = pending { try finishCarried(emit, isString: false) }
        guard case .none = pending, openContainers.isEmpty, expect == .value else {
            throw .malformed(offset: consumed, reason: "the answer ends inside a value")
        }
    }

    private var expectsValue: Bool { expect == .value || expect == .valueOrArrayEnd }
    private var expectsKey: Bool { expect == .key || expect == .keyOrObjectEnd }

    private mutating func valueEnded() {
        expect = openContainers.isEmpty ? .value : .commaOrEnd
    }

    private mutating func carryOn(
        _ bytes: UnsafeRawBufferPointer, from start: Int, as state: Pending
    ) throws(JSONStreamError) {
        if case .none = pending { carryOffset = consumed + start - (state.isString ? 1 : 0) }
        carry += bytes[start...]
        try checkLength(carry.count)
        pending = state
        consumed += bytes.count
    }

    private mutating func finishCarried(_ emit: (JSONEvent) -> Void, isString: Bool) throws(JSONStreamError) {
        try checkLength(carry.count)
        pending = .none
        let token = carry
        carry.removeAll(keepingCapacity: true)
        try withBytes(of: token) { bytes throws(JSONStreamError) in
            isString ? try emitString(bytes, at: carryOffset, emit) : try emitBare(bytes, at: carryOffset, emit)
        }
    }

    private func checkLength(_ count: Int) throws(JSONStreamError) {
        guard count <= maxTokenBytes else { throw .tokenTooLong(limit: maxTokenBytes) }
    }

    private func unexpected(_ byte: UInt8, at index: Int) -> JSONStreamError {
        .malformed(offset: consumed + index, reason: "unexpected \(Self.describe(byte))")
    }

    /// A string's content (between the quotes, escapes undone): an object's key or a value.
    private mutating func emitString(
        _ raw: UnsafeRawBufferPointer, at offset: Int, _ emit: (JSONEvent) -> Void
    ) throws(JSONStreamError) {
        let text: String
        if raw.contains(UInt8.backslash) {
            guard Self.unescape(raw, into: &unescaped) else {
                throw .malformed(offset: offset, reason: "a string holds an invalid escape or a control character")
            }
            text = String(decoding: unescaped, as: UTF8.self)
        } else {
            guard !raw.contains(where: { $0 < 0x20 }) else {
                throw .malformed(offset: offset, reason: "a string holds a control character")
            }
            text = String(decoding: raw, as: UTF8.self)
        }
        if expectsKey {
            expect = .colon
            emit(.key(text))
        } else {
            emit(.string(text))
            valueEnded()
        }
    }

    private mutating func emitBare(
        _ token: UnsafeRawBufferPointer, at offset: Int, _ emit: (JSONEvent) -> Void
    ) throws(JSONStreamError) {
        let event: JSONEvent
        switch String(decoding: token.prefix(5), as: UTF8.self) {
        case "true" where token.count == 4: event = .bool(true)
        case "false" where token.count == 5: event = .bool(false)
        case "null" where token.count == 4: event = .null
        default:
            guard Self.isNumber(token), let number = FastDouble.parse(token) else {
                throw .malformed(
                    offset: offset,
                    reason: "not a value: \(String(decoding: token.prefix(20), as: UTF8.self))")
            }
            event = .number(number)
        }
        emit(event)
        valueEnded()
    }

    /// The index of the quote closing a string whose content starts at `start`, nil when the chunk ends first.
    private static func stringEnd(_ bytes: UnsafeRawBufferPointer, from start: Int, afterBackslash: Bool) -> Int? {
        var index = start
        if afterBackslash { index += 1 }
        while index < bytes.count {
            switch bytes[index] {
            case UInt8.quote: return index
            case UInt8.backslash: index += 2
            default: index += 1
            }
        }
        return nil
    }

    /// Whether a string cut at the end of `bytes` was cut between a backslash and what it escapes.
    private static func endsInsideEscape(_ bytes: UnsafeRawBufferPointer, _ afterBackslash: Bool) -> Bool {
        var escaping = afterBackslash
        for byte in bytes { escaping = !escaping && byte == UInt8.backslash }
        return escaping
    }

    /// The index after a number or literal starting at `start`: the first structural byte or space.
    private static func bareEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ":"),
                UInt8(ascii: "["), UInt8(ascii: "{"), UInt8.quote:
                return index
            default: index += 1
            }
        }
        return index
    }

    /// RFC 8259's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    static func isNumber(_ token: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        func digits() -> Int {
            let start = index
            while index < token.count, token[index] &- 48 < 10 { index += 1 }
            return index - start
        }
        if index < token.count, token[index] == UInt8(ascii: "-") { index += 1 }
        let leadingZero = index < token.count && token[index] == UInt8(ascii: "0")
        let integerDigits = digits()
        guard integerDigits > 0, !leadingZero || integerDigits == 1 else { return false }
        if index < token.count, token[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }
        if index < token.count, token[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < token.count, token[index] == UInt8(ascii: "+") || token[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { return false }
        }
        return index == token.count
    }

    /// Undoes a string's escapes (`\uXXXX` with surrogate pairs to UTF-8); false when one is invalid.
    static func unescape(_ raw: UnsafeRawBufferPointer, into output: inout [UInt8]) -> Bool {
        output.removeAll(keepingCapacity: true)
        var index = 0
        func hex4() -> UInt32? {
            guard index + 4 <= raw.count else { return nil }
            var value: UInt32 = 0
            for byte in raw[index..<(index + 4)] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - 48
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - 87
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - 55
                default: return nil
                }
                value = value << 4 | UInt32(digit)
            }
            index += 4
            return value
        }
        while index < raw.count {
            let byte = raw[index]
            index += 1
            guard byte >= 0x20 else { return false }
            guard byte == UInt8.backslash else {
                output.append(byte)
                continue
            }
            guard index < raw.count else { return false }
            let escaped = raw[index]
            index += 1
            switch escaped {
            case UInt8.quote, UInt8.backslash, UInt8(ascii: "/"): output.append(escaped)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4() else { return false }
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate must be followed by `\u` and its low half.
                    guard index + 2 <= raw.count, raw[index] == UInt8.backslash, raw[index + 1] == UInt8(ascii: "u")
                    else { return false }
                    index += 2
                    guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return false }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { return false }
                output.append(contentsOf: Array(String(Character(unicode)).utf8))
            default: return false
            }
        }
        return true
    }

    private static func describe(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }
}
