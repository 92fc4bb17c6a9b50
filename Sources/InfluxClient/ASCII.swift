/// The delimiters of line protocol and CSV, shared by their parsers and the encoder.
extension UInt8 {
    static let comma = UInt8(ascii: ",")
    static let space = UInt8(ascii: " ")
    static let equals = UInt8(ascii: "=")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
}
