import HTTPServer

extension HTTPResponse {
    /// Names the authenticated user in the access log line.
    consuming func loggingUser(_ name: String) -> HTTPResponse {
        var response = self
        response.authenticatedUser = name
        return response
    }
}
