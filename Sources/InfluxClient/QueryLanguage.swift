/// Flux source text for user-supplied strings.
public enum Flux {
    /// A Flux string literal that evaluates to exactly `text`. `${` would otherwise interpolate an
    /// expression, so `$` is escaped too (flux SPEC: `\$`, `\"`, `\\`, `\n`, `\r`, `\t`).
    public static func stringLiteral(_ text: String) -> String {
        var literal = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": literal += "\\\\"
            case "\"": literal += "\\\""
            case "$": literal += "\\$"
            case "\n": literal += "\\n"
            case "\r": literal += "\\r"
            case "\t": literal += "\\t"
            default: literal.unicodeScalars.append(scalar)
            }
        }
        return literal + "\""
    }
}

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
