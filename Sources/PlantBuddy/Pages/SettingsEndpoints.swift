import Foundation
import HTMLTemplate
import HTTPServer
import Observability

/// `/settings`: a signed-in person's alert rules, device names, alert channels (with a test) and
/// device token. Every form carries the CSRF token; a refused form says why and changes nothing.
struct SettingsEndpoints: Sendable {
    let access: PageAccess
    let templates: PageTemplates
    let catalog: SensorCatalog
    let limits: AlertRuleLimits
    let rules: AlertRules
    let notifier: Notifier
    let logger: Logger
    let metrics: Metrics

    func show(_ request: HTTPRequest) -> HTTPResponse {
        guard let user = access.user(request) else { return PageEndpoints.redirect("/login") }
        return page(request, user: user, status: .ok, outcome: nil)
    }

    func change(_ request: HTTPRequest) -> HTTPResponse {
        guard let user = access.user(request) else { return PageEndpoints.redirect("/login") }
        let form = FormURLEncoding.decode(String(decoding: request.body, as: UTF8.self))
        func field(_ name: String) -> String { form.first { $0.name == name }?.value ?? "" }
        guard access.isValidForm(field("csrf"), request) else {
            metrics.increment("plantbuddy_csrf_refusals_total")
            logger.warning("settings form without a valid CSRF token", ["peer": request.remoteAddress])
            return page(
                request, user: user, status: .forbidden,
                outcome: .refused("The form had expired. Nothing was changed; please try again."))
        }
        let outcome: Outcome
        do throws(UserStoreError) {
            outcome = try apply(field("action"), form: form, field: field, user: user)
        } catch {
            outcome = .refused(error.description.prefix(1).uppercased() + error.description.dropFirst() + ".")
        }
        metrics.increment("plantbuddy_settings_changes_total", ["result": outcome.isRefusal ? "refused" : "changed"])
        // The page shows the state after the change: read the user again.
        let current = access.users.user(named: user.name) ?? user
        return page(request, user: current, status: outcome.isRefusal ? .badRequest : .ok, outcome: outcome)
    }

    private enum Outcome {
        case done(String)
        case refused(String)
        case newToken(String)

        var isRefusal: Bool {
            if case .refused = self { return true }
            return false
        }
    }

    private func apply(
        _ action: String, form: [(name: String, value: String)], field: (String) -> String, user: UserRecord
    ) throws(UserStoreError) -> Outcome {
        let users = access.users
        switch action {
        case "add-rule":
            let rule = try Self.rule(from: field, channels: form.filter { $0.name == "channel" }.map(\.value))
            let stored = try users.addRule(rule, for: user.name, catalog: catalog, limits: limits)
            logger.info("alert rule added", ["user": user.name, "rule": stored.id])
            return .done("Alert added: \(stored.summary(deviceName: user.deviceName)).")
        case "remove-rule":
            try users.removeRule(field("rule"), for: user.name)
            return .done("Alert removed.")
        case "name-device":
            try users.nameDevice(field("device"), field("name"), for: user.name)
            return .done(
                field("name").isEmpty ? "Name removed." : "Device \(field("device")) is now “\(field("name"))”.")
        case "channels":
            let webhook = field("webhook").trimmingCharacters(in: " ")
            let email = field("email").trimmingCharacters(in: " ")
            try users.setChannels(
                NotificationChannels(webhook: webhook.isEmpty ? nil : webhook, email: email.isEmpty ? nil : email),
                for: user.name)
            return .done("Saved where alerts go.")
        case "test":
            let channels = user.channels ?? NotificationChannels()
            guard channels.webhook != nil || channels.email != nil else {
                return .refused("Set a webhook or an e-mail address first.")
            }
            let now = Date()
            notifier.enqueue(
                PlantNotification(
                    user: user.name, deviceID: nil, sensor: nil, level: "test",
                    message: "A test alert from Plant Buddy: this channel works.",
                    time: ISO8601DateFormatter().string(from: now), checkID: "test", receivedAt: now),
                to: channels)
            return .done(
                "A test alert is on its way to \([channels.webhook, channels.email].compactMap { $0 }.joined(separator: " and "))."
            )
        case "rotate-token":
            let token = try users.rotateToken(user.name)
            logger.info("device token rotated from the settings page", ["user": user.name])
            return .newToken(token)
        default:
            return .refused("Unknown form.")
        }
    }

    /// The rule a form describes; its checks happen when it is stored.
    static func rule(from field: (String) -> String, channels: [String]) throws(UserStoreError) -> AlertRule {
        let text = field("value").trimmingCharacters(in: " ")
        let condition: AlertCondition
        switch field("condition") {
        case "below", "above":
            guard let value = Double(text) else { throw .refused("the value must be a number, such as 35") }
            condition = field("condition") == "below" ? .atOrBelow(value) : .atOrAbove(value)
        case "silent":
            guard let seconds = try? SettingValue.wholeSeconds(text) else {
                throw .refused("a silence is a duration, such as 30m, 2h or 1d")
            }
            condition = .silentFor(seconds: seconds)
        default:
            throw .refused("choose when the alert fires")
        }
        let chosen = Set(channels.compactMap(AlertChannel.init(rawValue:)) + [.page])
        return AlertRule(
            sensor: field("sensor"), deviceID: field("device").isEmpty ? nil : field("device"), condition: condition,
            channels: chosen == Set(AlertChannel.allCases) ? nil : chosen)
    }

    private func page(_ request: HTTPRequest, user: UserRecord, status: HTTPStatus, outcome: Outcome?) -> HTTPResponse {
        let csrf = access.csrfToken(request) ?? ""
        let devices = Set((user.deviceNames ?? [:]).keys).union((user.rules ?? []).compactMap(\.deviceID)).sorted()
        var context: TemplateContext = [
            "csrf": .text(csrf),
            "rules": .list(
                rules.rules(of: user).map { rule in
                    [
                        "id": .text(rule.id), "summary": .text(rule.summary(deviceName: user.deviceName)),
                        "channels": .text(
                            rule.channels.map { $0.sorted().map(\.rawValue).joined(separator: ", ") } ?? "all"),
                        "isDefault": .flag(rule.id == AlertRules.defaultSoilID), "csrf": .text(csrf),
                    ]
                }),
            "sensors": .list(
                catalog.measurements.values.sorted().map {
                    ["value": .text($0), "label": .text($0.replacingOccurrences(of: "_", with: " "))]
                }),
            "devices": .list(devices.map { ["id": .text($0), "label": .text("\($0) · \(user.deviceName($0))")] }),
            "hasNames": .flag(!(user.deviceNames ?? [:]).isEmpty),
            "names": .list(
                (user.deviceNames ?? [:]).sorted { $0.key < $1.key }.map {
                    ["id": .text($0.key), "name": .text($0.value)]
                }),
            "webhook": .text(user.channels?.webhook ?? ""), "email": .text(user.channels?.email ?? ""),
        ]
        switch outcome {
        case .done(let message):
            context["message"] = .text(message)
            context["messageKind"] = .text("ok")
        case .refused(let message):
            context["message"] = .text(message)
            context["messageKind"] = .text("error")
        case .newToken(let token):
            context["newToken"] = .text(token)
        case nil: break
        }
        let html = templates.page(
            title: "Settings", user: user.name, logoutToken: access.csrfToken(request), body: templates.settings,
            context)
        return HTTPResponse(status: status, contentType: "text/html; charset=utf-8", body: html)
            .withHeaders(templates.securityHeaders).loggingUser(user.name)
    }
}
