import Glibc

/// Finds where annotated-CSV rows and fields end: byte searches that never allocate.
enum CSVRowScanner {

    enum QuoteState: Equatable {
        case fieldStart, unquoted, quoted, quoteInQuoted

        mutating func advance(_ byte: UInt8) {
            switch (self, byte) {
            case (.fieldStart, .quote): self = .quoted
            case (.fieldStart, .comma), (.unquoted, .comma), (.quoteInQuoted, .comma): self = .fieldStart
            case (.fieldStart, _),
                (.quoteInQuoted, _) where byte != .quote:
                self = .unquoted
            case (.quoted, .quote): self = .quoteInQuoted
            case (.quoteInQuoted, .quote): self = .quoted
            default: break
            }
        }
    }

    /// The offset of the newline ending the row that starts at `start`, or nil if it has not
    /// arrived. Newlines inside quoted fields do not end a row.
    static func rowEnd(_ bytes: UnsafeRawBufferPointer, from start: Int, state: inout QuoteState) -> Int? {
        var position = start
        while position < bytes.count {
            guard let newline = find(.newline, in: bytes, from: position, to: bytes.count) else {
                for byte in bytes[position...] { state.advance(byte) }
                return nil
            }
            if state == .fieldStart && position == start && find(.quote, in: bytes, from: position, to: newline) == nil
            {
                return newline  // the common case: no quotes at all
            }
            for byte in bytes[position..<newline] { state.advance(byte) }
            if state != .quoted { return newline }
            state.advance(.newline)
            position = newline + 1
        }
        return nil
    }

    /// The high bit of each byte of `word` that is a comma, a quote or a newline (exact: no false
    /// positives from borrows, unlike the shorter zero-byte test).
    @inline(__always) static func markerMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let lows: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        func zeroBytes(_ value: UInt64) -> UInt64 { ~(((value & lows) &+ lows) | value | lows) }
        return zeroBytes(word ^ (ones &* 0x2C)) | zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x0A))
    }

    /// memchr: the C library's vectorised byte search.
    static func find(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int? {
        guard start < end, let base = bytes.baseAddress,
            let found = memchr(base + start, Int32(byte), end - start)
        else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// Inline for cells this short: a call to memcmp per cell cost more than the comparison.
    @inline(__always) static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        var offset = 0
        while offset + 8 <= count {
            guard
                a.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    == b.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            else { return false }
            offset += 8
        }
        while offset < count {
            guard a.load(fromByteOffset: offset, as: UInt8.self) == b.load(fromByteOffset: offset, as: UInt8.self)
            else { return false }
            offset += 1
        }
        return true
    }
}
