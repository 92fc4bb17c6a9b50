/// Flux source text for values the app puts into scripts: the one escaping function for strings,
/// and literals for numbers, written so the official parser reads back exactly the value.
public enum Flux {
    /// A Flux string literal that evaluates to exactly `text`. Flux interpolates `${…}` inside
    /// strings, so every `$` is written `\x24`: the lexer refuses `\$` alone, and mis-reads a `$`
    /// right before the `\${` escape, while `\xNN` is always a plain byte. The other escapes are
    /// `\"`, `\\`, `\n`, `\r`, `\t` (flux SPEC, String literals; checked with the official parser).
    public static func stringLiteral(_ text: String) -> String {
        var literal = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": literal += "\\\\"
            case "\"": literal += "\\\""
            case "$": literal += "\\x24"
            case "\n": literal += "\\n"
            case "\r": literal += "\\r"
            case "\t": literal += "\\t"
            default: literal.unicodeScalars.append(scalar)
            }
        }
        return literal + "\""
    }

    /// A Flux float literal for a finite value, in plain decimals: Flux float literals have no
    /// exponent (`1e-05` does not parse as a float), and need a decimal point (`35` is an integer).
    /// A negative value is written as a negation, as Flux spells it.
    public static func floatLiteral(_ value: Double) -> String {
        precondition(value.isFinite, "Flux has no literal for \(value)")
        let shortest = "\(value.magnitude)"  // the shortest text that reads back exactly
        let sign = value < 0 ? "-" : ""
        guard let e = shortest.firstIndex(where: { $0 == "e" || $0 == "E" }) else {
            return sign + (shortest.contains(".") ? shortest : shortest + ".0")
        }
        let exponent = Int(shortest[shortest.index(after: e)...])!
        let mantissa = shortest[..<e]
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integer = String(parts[0])
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits = integer + fraction
        var point = integer.count + exponent  // the decimal point's place within `digits`
        if point <= 0 {
            digits = String(repeating: "0", count: 1 - point) + digits
            point = 1
        } else if point >= digits.count {
            digits += String(repeating: "0", count: point - digits.count)
        }
        var whole = String(digits.prefix(point))
        var rest = String(digits.dropFirst(point))
        while rest.hasSuffix("0") { rest.removeLast() }
        while whole.count > 1 && whole.hasPrefix("0") { whole.removeFirst() }
        return sign + whole + "." + (rest.isEmpty ? "0" : rest)
    }

    /// `script` with `definitions` (names and Flux literals) placed right after its imports: Flux
    /// allows imports only at the top of a file (SPEC, Packages), so definitions cannot go in front.
    public static func program(_ script: String, defining definitions: [(name: String, value: String)]) -> String {
        var lines = script.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var afterImports = 0
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            if trimmed.hasPrefix("import ") {
                afterImports = index + 1
            } else if !(trimmed.isEmpty || trimmed.hasPrefix("//")) {
                break
            }
        }
        lines.insert(contentsOf: definitions.map { "\($0.name) = \($0.value)" }, at: afterImports)
        return lines.joined(separator: "\n")
    }
}
