import Observability

/// The one way an alert reaches a person, whoever raised it (InfluxDB's notification rule through
/// `/notify`, or the gateway's own evaluator on 1.x): stored once in their history, which the page
/// shows, then handed to the notifier for the rule's channels with its retries.
struct AlertDelivery: Sendable {
    let store: NotificationStore
    let notifier: Notifier
    let logger: Logger
    let metrics: Metrics

    /// True if the notification was new; a repeat of one already stored is dropped.
    func deliver(_ notification: PlantNotification, to owner: UserRecord) throws(UserStoreError) -> Bool {
        guard try store.add(notification) else { return false }
        logger.info(
            "notification",
            ["user": notification.user, "level": notification.level, "message": notification.message])
        // A rule may name its channels; InfluxDB's statuses carry the rule's id as their check id.
        let wanted = owner.rules?.first { $0.id == notification.checkID }?.channels
        let own = owner.channels ?? NotificationChannels()
        notifier.enqueue(
            notification,
            to: NotificationChannels(
                webhook: wanted.map { $0.contains(.webhook) } ?? true ? own.webhook : nil,
                email: wanted.map { $0.contains(.email) } ?? true ? own.email : nil))
        return true
    }
}
