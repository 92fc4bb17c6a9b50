import Foundation
import HTMLTemplate
import HTTPServer
import Hashing
import InfluxClient
import Observability

/// Sign-in, sign-out and the home page with the user's charts.
struct PageEndpoints: Sendable {
    let access: PageAccess
    let passwords: PasswordHasher
    let throttle: LoginThrottle
    let notifications: NotificationStore
    let readings: ReadingsSource
    let templates: PageTemplates
    let publicURL: String
    let logger: Logger
    let metrics: Metrics

    private var users: UserStore { access.users }
    private var sessions: SessionSigner { access.sessions }

    func showLogin(_ request: HTTPRequest) -> HTTPResponse {
        if access.user(request) != nil { return Self.redirect("/") }
        return loginPage(request, status: .ok, message: nil, username: "")
    }

    func login(_ request: HTTPRequest) -> HTTPResponse {
        let form = FormURLEncoding.decode(String(decoding: request.body, as: UTF8.self))
        func field(_ name: String) -> String? { form.first { $0.name == name }?.value }
        let username = field("username") ?? ""
        let password = field("password") ?? ""
        guard
            sessions.isValidCSRF(
                field("csrf"), binding: SessionSigner.cookie(SessionSigner.loginCookieName, in: request.headers))
        else {
            metrics.increment("plantbuddy_logins_total", ["result": "csrf"])
            logger.warning("sign-in form without a valid CSRF token", ["peer": request.remoteAddress])
            return loginPage(
                request, status: .forbidden, message: "The form had expired. Please sign in again.", username: username)
        }
        let keys = ["user:" + username, "address:" + PageAccess.clientAddress(request)]
        if let wait = throttle.retryAfter(keys) {
            metrics.increment("plantbuddy_logins_total", ["result": "throttled"])
            logger.warning(
                "sign-in throttled", ["user": username, "peer": request.remoteAddress, "retry_after": String(wait)])
            var response = loginPage(
                request, status: .tooManyRequests, message: "Too many failed attempts. Please wait a few minutes.",
                username: username)
            response.headers.add("Retry-After", String(wait))
            return response
        }
        guard let user = users.user(named: username), let stored = user.passwordHash else {
            passwords.spendVerificationTime(password)  // unknown names take as long as wrong passwords
            return refused(username, keys: keys, request)
        }
        guard PasswordHasher.verify(password, against: stored) else { return refused(username, keys: keys, request) }
        throttle.recordSuccess(keys[0])
        metrics.increment("plantbuddy_logins_total", ["result": "success"])
        logger.info("signed in", ["user": user.name, "peer": request.remoteAddress])
        var response = Self.redirect("/")
        response.headers.add("Set-Cookie", sessions.cookie(for: user.name))
        return response
    }

    private func refused(_ username: String, keys: [String], _ request: HTTPRequest) -> HTTPResponse {
        throttle.recordFailure(keys)
        metrics.increment("plantbuddy_logins_total", ["result": "failure"])
        logger.warning("sign-in refused", ["user": username, "peer": request.remoteAddress])
        return loginPage(
            request, status: .unauthorized, message: "Unknown user name or wrong password.", username: username)
    }

    func logout(_ request: HTTPRequest) -> HTTPResponse {
        let form = FormURLEncoding.decode(String(decoding: request.body, as: UTF8.self))
        if access.csrfToken(request) != nil && !access.isValidForm(form.first { $0.name == "csrf" }?.value, request) {
            metrics.increment("plantbuddy_csrf_refusals_total")
            logger.warning("sign-out without a valid CSRF token", ["peer": request.remoteAddress])
            return HTTPResponse.text(.forbidden, "forbidden: the form had expired").withHeaders(
                templates.securityHeaders)
        }
        var response = Self.redirect("/login")
        response.headers.add("Set-Cookie", sessions.expiredCookie)
        return response
    }

    func home(_ request: HTTPRequest) -> HTTPResponse {
        // A cookie for a user who has since been removed signs nobody in.
        guard let user = access.user(request) else { return Self.redirect("/login") }
        let range = request.query("range").flatMap(GraphRange.init(rawValue:)) ?? .standard
        let end = Date().timeIntervalSince1970
        var context: TemplateContext = [
            "ranges": .list(
                GraphRange.allCases.map { option in
                    [
                        "value": .text(option.rawValue), "label": .text(option.rawValue),
                        "current": .flag(option == range),
                    ]
                }),
            "rangeLabel": .text(range.rawValue),
            "writeURL": .text(writeURL(request)),
        ]
        let attention = notifications.openAlerts(for: user.name)
        context["hasAttention"] = .flag(!attention.isEmpty)
        context["attention"] = .list(
            attention.map { alert in
                ["message": .text(alert.message), "since": .text(Self.displayTime(alert.time))]
            })
        let recent = notifications.recent(for: user.name)
        context["hasNotifications"] = .flag(!recent.isEmpty)
        context["notifications"] = .list(
            recent.map { notification in
                [
                    "level": .text(notification.level), "message": .text(notification.message),
                    "time": .text(Self.displayTime(notification.time)),
                ]
            })
        do {
            let series = try readings.series(for: user.name, range: range)
            context["hasReadings"] = .flag(!series.isEmpty)
            // Each series' last reading lies in its last window (stamped with its start on 1.x, its end
            // by Flux): one window before the earliest of those bounds it, not the whole range.
            let latest = try readings.latest(
                for: user.name, range: range,
                since: series.compactMap(\.times.last).min().map { $0 - range.windowSeconds })
            context["latest"] = .list(
                latest.compactMap { Self.latestRow($0, now: end, deviceName: user.deviceName) })
            context["chart"] = .trustedHTML(
                Chart.svg(
                    series, start: end - range.seconds, end: end, title: "Readings of the last \(range.rawValue)",
                    deviceName: user.deviceName))
        } catch {
            metrics.increment("plantbuddy_influx_query_errors_total")
            logger.error(
                "graph query failed", ["user": user.name, "range": range.rawValue, "error": error.description])
            context["error"] = .text(
                "The readings cannot be shown right now: the database did not answer. Please try again soon.")
        }
        let html = templates.page(
            title: "Your plants", user: user.name, logoutToken: access.csrfToken(request), body: templates.home, context
        )
        return HTTPResponse(status: .ok, contentType: "text/html; charset=utf-8", body: html)
            .withHeaders(templates.securityHeaders).loggingUser(user.name)
    }

    /// RFC 3339 as `2026-12-01 20:55:00Z`: to the second, which is as exact as a person reads it.
    static func displayTime(_ rfc3339: String) -> String {
        var text = rfc3339.replacingOccurrences(of: "T", with: " ")
        if let dot = text.firstIndex(of: "."), let zone = text[dot...].firstIndex(where: { !$0.isNumber && $0 != "." })
        {
            text.removeSubrange(dot..<zone)
        }
        return text
    }

    private static func latestRow(_ series: ReadingSeries, now: Double, deviceName: (String) -> String)
        -> TemplateContext?
    {
        guard let time = series.times.last, let value = series.values.last else { return nil }
        let stamp = Timestamp(seconds: Int64(time)).description
        return [
            "sensor": .text(series.measurement), "device": .text(deviceName(series.deviceID)),
            "value": .text(value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)),
            "time": .text(String(stamp.dropLast().replacingOccurrences(of: "T", with: " "))),
            "ago": .text(ago(now - time)),
        ]
    }

    /// "just now", "4 min ago", "3 h ago", "2 d ago".
    static func ago(_ seconds: Double) -> String {
        switch seconds {
        case ..<60: "just now"
        case ..<3600: "\(Int(seconds / 60)) min ago"
        case ..<86_400: "\(Int(seconds / 3600)) h ago"
        default: "\(Int(seconds / 86_400)) d ago"
        }
    }

    private func writeURL(_ request: HTTPRequest) -> String {
        if !publicURL.isEmpty {
            return Configuration.url(publicURL, path: "/write")
        }
        return "http://\(request.headers["Host"] ?? "this-gateway")/write"
    }

    /// The sign-in form, bound to a `pb_login` cookie (set here when the browser has none yet).
    private func loginPage(_ request: HTTPRequest, status: HTTPStatus, message: String?, username: String)
        -> HTTPResponse
    {
        let existing = SessionSigner.cookie(SessionSigner.loginCookieName, in: request.headers)
        let binding =
            existing.flatMap { Base64URL.decode($0)?.count == 16 ? $0 : nil }
            ?? Base64URL.encode(SecureRandom.bytes(16))
        var context: TemplateContext = [
            "username": .text(username), "csrf": .text(sessions.csrfToken(binding: binding)),
        ]
        if let message { context["message"] = .text(message) }
        let html = templates.page(title: "Sign in", user: nil, logoutToken: nil, body: templates.login, context)
        var response = HTTPResponse(status: status, contentType: "text/html; charset=utf-8", body: html)
            .withHeaders(templates.securityHeaders)
        if existing != binding { response.headers.add("Set-Cookie", sessions.loginCookie(binding)) }
        return response
    }

    static func redirect(_ location: String) -> HTTPResponse {
        HTTPResponse(status: .seeOther, headers: ["Location": location])
    }
}

extension HTTPResponse {
    func withHeaders(_ extra: HTTPHeaders) -> HTTPResponse {
        var response = self
        for (name, value) in extra { response.headers.replaceOrAdd(name, value) }
        return response
    }
}
