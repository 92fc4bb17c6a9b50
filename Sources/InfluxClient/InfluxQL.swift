/// InfluxQL source text for user-supplied names and strings. Inside either quoting the only escapes
/// are `\'`, `\"`, `\\` and `\n` (influxql scanner), so those are the only ones written.
public enum InfluxQL {
    /// A double-quoted identifier (measurement, tag or field name).
    public static func identifier(_ name: String) -> String { quote(name, with: "\"") }

    /// A single-quoted string literal, for comparing a tag with a value.
    public static func stringLiteral(_ text: String) -> String { quote(text, with: "'") }

    private static func quote(_ text: String, with mark: Unicode.Scalar) -> String {
        var quoted = String(mark)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": quoted += "\\\\"
            case mark: quoted += "\\" + String(mark)
            case "\n": quoted += "\\n"
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + String(mark)
    }
}
