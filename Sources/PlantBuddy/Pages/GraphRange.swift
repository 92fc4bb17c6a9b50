/// The ranges the page offers, each with the window its means are taken over.
public enum GraphRange: String, CaseIterable, Sendable {
    case sixHours = "6h"
    case twoDays = "48h"
    case week = "7d"
    case month = "30d"

    public static let standard = GraphRange.twoDays

    var seconds: Double {
        switch self {
        case .sixHours: 6 * 3600
        case .twoDays: 48 * 3600
        case .week: 7 * 86_400
        case .month: 30 * 86_400
        }
    }

    /// About one window per pixel column of a 900-pixel chart, as a Flux and InfluxQL duration.
    var window: String {
        switch self {
        case .sixHours: "1m"
        case .twoDays: "5m"
        case .week: "15m"
        case .month: "1h"
        }
    }

    /// `window` in seconds.
    var windowSeconds: Double {
        switch self {
        case .sixHours: 60
        case .twoDays: 300
        case .week: 900
        case .month: 3600
        }
    }

    /// Long ranges read the downsampled bucket when there is one.
    var prefersDownsampled: Bool { self == .week || self == .month }
}
