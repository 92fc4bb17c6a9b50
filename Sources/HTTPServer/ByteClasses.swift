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
