/// What a person calls a device ("01" → "Fern, kitchen window"): shown in charts, the latest
/// readings and alert messages, escaped wherever it appears.
public enum DeviceName {
    public static let maxCharacters = 64

    /// The protocol's device ids: two ASCII letters or digits.
    public static func isValidDeviceID(_ id: String) -> Bool {
        id.utf8.count == 2
            && id.utf8.allSatisfy {
                $0 < 128 && (Character(Unicode.Scalar($0)).isLetter || Character(Unicode.Scalar($0)).isNumber)
            }
    }

    /// A name as given, or why it cannot be one; an empty name removes the name.
    public static func validate(_ name: String) throws(AlertRuleError) {
        guard name.count <= maxCharacters else {
            throw AlertRuleError("a device name has at most \(maxCharacters) characters")
        }
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw AlertRuleError("a device name cannot contain line breaks or control characters")
        }
    }
}
