/// A small Mustache subset: `{{name}}` (escaped), `{{{name}}}` (trusted HTML only), sections
/// `{{#name}}…{{/name}}` over lists or flags, inverted `{{^name}}…{{/name}}`, comments `{{! … }}`.
/// Parsed once at start-up, so a broken template stops the gateway instead of a page.
public struct Template: Sendable {
    indirect enum Node: Sendable {
        case text(String)
        case variable(String, raw: Bool)
        case section(String, inverted: Bool, [Node])
    }

    let name: String
    let nodes: [Node]

    public init(name: String, source: String) throws(TemplateError) {
        self.name = name
        var rest = Substring(source)
        var stack: [(name: String, inverted: Bool, nodes: [Node])] = [("", false, [])]
        while !rest.isEmpty {
            guard let open = rest.firstRange(of: "{{") else {
                stack[stack.count - 1].nodes.append(.text(String(rest)))
                break
            }
            if open.lowerBound > rest.startIndex {
                stack[stack.count - 1].nodes.append(.text(String(rest[..<open.lowerBound])))
            }
            let triple = rest[open.upperBound...].hasPrefix("{")
            let closer = triple ? "}}}" : "}}"
            let bodyStart = triple ? rest.index(after: open.upperBound) : open.upperBound
            guard let close = rest[bodyStart...].firstRange(of: closer) else {
                throw TemplateError(template: name, message: "unclosed tag")
            }
            let tag = rest[bodyStart..<close.lowerBound].trimmingSpaces()
            rest = rest[close.upperBound...]
            guard let sigil = tag.first else { throw TemplateError(template: name, message: "empty tag") }
            let key = String(tag.dropFirst()).trimmingSpaces()
            switch sigil {
            case "!": continue
            case "#", "^": stack.append((key, sigil == "^", []))
            case "/":
                guard stack.count > 1, let open = stack.popLast(), open.name == key else {
                    throw TemplateError(template: name, message: "unexpected {{/\(key)}}")
                }
                stack[stack.count - 1].nodes.append(.section(open.name, inverted: open.inverted, open.nodes))
            default:
                stack[stack.count - 1].nodes.append(.variable(tag, raw: triple))
            }
        }
        guard stack.count == 1 else {
            throw TemplateError(template: name, message: "section {{#\(stack[stack.count - 1].name)}} is never closed")
        }
        nodes = stack[0].nodes
    }

    public func render(_ context: TemplateContext) -> String {
        var output = ""
        Self.render(nodes, [context], into: &output)
        return output
    }

    private static func render(_ nodes: [Node], _ scopes: [TemplateContext], into output: inout String) {
        func lookup(_ key: String) -> TemplateValue? {
            for scope in scopes.reversed() { if let value = scope[key] { return value } }
            return nil
        }
        for node in nodes {
            switch node {
            case .text(let text):
                output += text
            case .variable(let key, let raw):
                switch lookup(key) {
                case .text(let text): output += HTML.escape(text)
                case .trustedHTML(let html): output += raw ? html : HTML.escape(html)
                case .flag(let flag): output += flag ? "true" : "false"
                case .list, nil: break
                }
            case .section(let key, let inverted, let children):
                let value = lookup(key)
                let items: [TemplateContext]
                switch value {
                case .list(let list): items = list
                case .flag(true), .text, .trustedHTML: items = [[:]]
                case .flag(false), nil: items = []
                }
                if inverted {
                    if items.isEmpty { render(children, scopes, into: &output) }
                } else {
                    for item in items { render(children, scopes + [item], into: &output) }
                }
            }
        }
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}
