import Foundation
import HTMLTemplate
import HTTPServer
import Hashing

/// The HTML templates, parsed once at start-up, and the headers every page carries.
struct PageTemplates: Sendable {
    let layout: Template
    let home: Template
    let login: Template
    let settings: Template
    /// No script at all; the one inline style block is allowed by its hash, nothing else inline.
    let securityHeaders: HTTPHeaders

    init(directory: String) throws(StartupError) {
        func source(_ name: String) throws(StartupError) -> String {
            let path = directory + "/" + name + ".html"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw .missingFile(path: path, setting: "PLANTBUDDY_TEMPLATES_DIR")
            }
            return text
        }
        func load(_ name: String) throws(StartupError) -> Template {
            let text = try source(name)
            do {
                return try Template(name: name, source: text)
            } catch {
                throw .template(error)
            }
        }
        let layoutSource = try source("layout")
        layout = try load("layout")
        home = try load("home")
        login = try load("login")
        settings = try load("settings")
        var styleSources = "'none'"
        if let open = layoutSource.firstRange(of: "<style>"), let close = layoutSource.firstRange(of: "</style>") {
            let style = layoutSource[open.upperBound..<close.lowerBound]
            styleSources = "'sha256-\(Data(SHA256.hash(style.utf8)).base64EncodedString())'"
        }
        securityHeaders = [
            "Content-Security-Policy":
                "default-src 'none'; style-src \(styleSources); img-src 'self'; form-action 'self'; "
                + "frame-ancestors 'none'; base-uri 'none'",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "DENY",
            "Cache-Control": "no-store",
        ]
    }

    func page(title: String, user: String?, logoutToken: String?, body: Template, _ context: TemplateContext) -> String
    {
        var outer: TemplateContext = ["title": .text(title), "content": .trustedHTML(body.render(context))]
        if let user { outer["user"] = .text(user) }
        if let logoutToken { outer["csrf"] = .text(logoutToken) }
        return layout.render(outer)
    }
}
