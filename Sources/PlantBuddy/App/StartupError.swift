public import CurlClient
public import HTMLTemplate
public import WriteAheadLog

/// Why the gateway cannot start, in words that name what to fix.
public enum StartupError: Error, CustomStringConvertible {
    case buffer(WriteAheadLogError)
    case template(TemplateError)
    case missingFile(path: String, setting: String)
    case users(UserStoreError)
    case influxClient(CurlError)

    public var description: String {
        switch self {
        case .buffer(let error): "write buffer: \(error)"
        case .template(let error): error.description
        case .missingFile(let path, let setting): "\(setting): cannot read \(path)"
        case .users(let error): error.description
        case .influxClient(let error): "InfluxDB client: \(error)"
        }
    }
}
