import Foundation
import HTMLTemplate
import HTTPServer
import InfluxClient
import Observability

/// The HTML templates, parsed once at start-up.
struct PageTemplates: Sendable {
    let layout: Template
    let home: Template
    let login: Template

    init(directory: String) throws(StartupError) {
        func load(_ name: String) throws(StartupError) -> Template {
            let path = directory + "/" + name + ".html"
            guard let source = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw .missingFile(path: path, setting: "PLANTBUDDY_TEMPLATES_DIR")
            }
            do {
                return try Template(name: name, source: source)
            } catch {
                throw .template(error)
            }
        }
        layout = try load("layout")
        home = try load("home")
        login = try load("login")
    }

    func page(title: String, user: String?, body: Template, _ context: TemplateContext) -> String {
        var outer: TemplateContext = ["title": .text(title), "content": .trustedHTML(body.render(context))]
        if let user { outer["user"] = .text(user) }
        return layout.render(outer)
    }
}

/// Sign-in, sign-out and the home page with the user's charts.
struct PageEndpoints: Sendable {
    let users: UserStore
    let passwords: PasswordHasher
    let sessions: SessionSigner
    let readings: ReadingsSource
    let templates: PageTemplates
    let publicURL: String
    let logger: Logger
    let metrics: Metrics

    func showLogin(_ request: HTTPRequest) -> HTTPResponse {
        if sessions.user(from: request.headers).flatMap(users.user(named:)) != nil { return Self.redirect("/") }
        return loginPage(status: .ok, message: nil, username: "")
    }

    func login(_ request: HTTPRequest) -> HTTPResponse {
        let form = FormURLEncoding.decode(String(decoding: request.body, as: UTF8.self))
        let username = form.first { $0.name == "username" }?.value ?? ""
        let password = form.first { $0.name == "password" }?.value ?? ""
        guard let user = users.user(named: username), let stored = user.passwordHash else {
            passwords.spendVerificationTime(password)  // unknown names take as long as wrong passwords
            return refused(username, request)
        }
        guard PasswordHasher.verify(password, against: stored) else { return refused(username, request) }
        metrics.increment("plantbuddy_logins_total", ["result": "success"])
        logger.info("signed in", ["user": user.name, "peer": request.remoteAddress])
        var response = Self.redirect("/")
        response.headers.add("Set-Cookie", sessions.cookie(for: user.name))
        return response
    }

    private func refused(_ username: String, _ request: HTTPRequest) -> HTTPResponse {
        metrics.increment("plantbuddy_logins_total", ["result": "failure"])
        logger.warning("sign-in refused", ["user": username, "peer": request.remoteAddress])
        return loginPage(status: .unauthorized, message: "Unknown user name or wrong password.", username: username)
    }

    func logout(_ request: HTTPRequest) -> HTTPResponse {
        var response = Self.redirect("/login")
        response.headers.add("Set-Cookie", sessions.expiredCookie)
        return response
    }

    func home(_ request: HTTPRequest) -> HTTPResponse {
        // A cookie for a user who has since been removed signs nobody in.
        guard let user = sessions.user(from: request.headers).flatMap(users.user(named:)) else {
            return Self.redirect("/login")
        }
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
        do {
            let series = try readings.series(for: user.name, range: range)
            context["hasReadings"] = .flag(!series.isEmpty)
            context["latest"] = .list(series.compactMap(Self.latestRow))
            context["chart"] = .trustedHTML(
                Chart.svg(series, start: end - range.seconds, end: end, title: "Readings of the last \(range.rawValue)")
            )
        } catch {
            metrics.increment("plantbuddy_influx_query_errors_total")
            logger.error(
                "graph query failed", ["user": user.name, "range": range.rawValue, "error": error.description])
            context["error"] = .text(
                "The readings cannot be shown right now: the database did not answer. Please try again soon.")
        }
        let html = templates.page(title: "Your plants", user: user.name, body: templates.home, context)
        return HTTPResponse(status: .ok, contentType: "text/html; charset=utf-8", body: html)
    }

    private static func latestRow(_ series: ReadingSeries) -> TemplateContext? {
        guard let time = series.times.last, let value = series.values.last else { return nil }
        let stamp = Timestamp(seconds: Int64(time)).description
        return [
            "sensor": .text(series.measurement), "device": .text(series.deviceID),
            "value": .text(value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)),
            "time": .text(String(stamp.dropLast().replacingOccurrences(of: "T", with: " "))),
        ]
    }

    private func writeURL(_ request: HTTPRequest) -> String {
        if !publicURL.isEmpty {
            return (publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL) + "/write"
        }
        return "http://\(request.headers["Host"] ?? "this-gateway")/write"
    }

    private func loginPage(status: HTTPStatus, message: String?, username: String) -> HTTPResponse {
        var context: TemplateContext = ["username": .text(username)]
        if let message { context["message"] = .text(message) }
        let html = templates.page(title: "Sign in", user: nil, body: templates.login, context)
        return HTTPResponse(status: status, contentType: "text/html; charset=utf-8", body: html)
    }

    static func redirect(_ location: String) -> HTTPResponse {
        HTTPResponse(status: .seeOther, headers: ["Location": location])
    }
}
