/// Builds the document; `text` escapes, `raw` is for markup this module wrote itself.
struct SVGText {
    private(set) var output = ""

    mutating func raw(_ markup: String) { output += markup }
    mutating func text(_ text: String) { output += XML.escape(text) }
}
