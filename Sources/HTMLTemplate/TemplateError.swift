public struct TemplateError: Error, Equatable, CustomStringConvertible {
    public let template: String
    public let message: String
    public var description: String { "template \(template): \(message)" }
}
