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
