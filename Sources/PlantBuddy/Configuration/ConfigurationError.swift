/// A setting that stops start-up, named so the operator knows what to fix.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public let setting: String
    public let message: String
    public var description: String { "\(setting): \(message)" }
}
