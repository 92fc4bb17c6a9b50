extension UInt8 {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")

    /// RFC 9110 §5.6.2 `tchar`: `!#$%&'*+-.^_`|~`, digits and letters. One bit per ASCII byte in
    /// two words, so the test is a shift, not a chain of comparisons: every header name's every
    /// byte is tested.
    var isTokenCharacter: Bool {
        let below64: UInt64 = 0x03ff_6cfa_0000_0000
        let from64: UInt64 = 0x57ff_ffff_c7ff_fffe
        return self < 64 ? below64 >> self & 1 == 1 : self < 128 && from64 >> (self - 64) & 1 == 1
    }

    var hexValue: UInt8? {
        switch self {
        case 48...57: self - 48
        case 65...70: self - 55
        case 97...102: self - 87
        default: nil
        }
    }
}

extension UnsafeRawBufferPointer {
    /// Whether these bytes hold a control character other than HTAB (RFC 9110 §5.5: a field value
    /// is VCHAR, obs-text, SP and HTAB). Eight bytes a step, since most of a head's bytes are field
    /// values: a word holds a byte below 0x20 or equal to 0x7F exactly when the two classic
    /// carry tricks below leave a high bit set; only such a word is looked at byte by byte (a tab).
    var containsControlCharacter: Bool {
        guard count >= 8 else { return Self.holdsControlCharacter(self) }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let lastWord = count - 8
        var offset = 0
        while true {
            // The last word overlaps the one before it: no tail left to look at byte by byte.
            let at = Swift.min(offset, lastWord)
            let word = loadUnaligned(fromByteOffset: at, as: UInt64.self)
            let below0x20 = (word &- ones &* 0x20) & ~word & highs
            let delete = word ^ (ones &* 0x7f)
            let is0x7F = (delete &- ones) & ~delete & highs
            if below0x20 | is0x7F != 0,
                Self.holdsControlCharacter(UnsafeRawBufferPointer(rebasing: self[at..<at + 8]))
            {
                return true
            }
            if at == lastWord { return false }
            offset += 8
        }
    }

    private static func holdsControlCharacter(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.contains { $0 < 0x20 && $0 != .tab || $0 == 0x7f }
    }
}
