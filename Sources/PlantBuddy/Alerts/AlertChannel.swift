/// Where an alert can go: the person's page, their webhook, their e-mail.
public enum AlertChannel: String, Codable, CaseIterable, Sendable, Comparable {
    case page, webhook, email

    public static func < (lhs: AlertChannel, rhs: AlertChannel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
