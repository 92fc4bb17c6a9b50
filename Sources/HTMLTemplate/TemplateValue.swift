/// A value a template can show. Text is always escaped; only `trustedHTML` (markup this program
/// generated itself, such as the chart) is inserted as it is, and only by a `{{{name}}}` tag.
public enum TemplateValue: Sendable {
    case text(String)
    case trustedHTML(String)
    case flag(Bool)
    case list([TemplateContext])
}

public typealias TemplateContext = [String: TemplateValue]
