import HTTPServer

extension HTTPResponse {
    /// Names the authenticated user in the access log line.
    consuming func loggingUser(_ name: String) -> HTTPResponse {
        // Set on the consumed self, not on a copy of it: a copy retained each of its buffers.
        authenticatedUser = name
        return consume self
    }
}
