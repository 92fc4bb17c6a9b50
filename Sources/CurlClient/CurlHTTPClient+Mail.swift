internal import CCurl

extension CurlHTTPClient {
    /// Sends one message over SMTP; throws unless the server accepted it.
    public func sendMail(_ message: MailMessage, via server: MailServer) throws(CurlError) {
        let easy = try CurlEasy(configuration: configuration)
        try easy.sendMail(message, via: server)
    }
}

extension CurlEasy {
    func sendMail(_ message: MailMessage, via server: MailServer) throws(CurlError) {
        let reader = BodyReader(message.content)
        var recipients: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(recipients) }
        for address in message.to { recipients = curl_slist_append(recipients, "<\(address)>") }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let context = Unmanaged.passUnretained(reader).toOpaque()
        let code = errorBuffer.withUnsafeMutableBufferPointer { errors -> CURLcode in
            let errorPointer = errors.baseAddress!
            var steps: [() -> CURLcode] = [
                { ccurl_setopt_pointer(self.handle, CURLOPT_ERRORBUFFER, errorPointer) },
                { ccurl_setopt_string(self.handle, CURLOPT_URL, server.url) },
                { ccurl_setopt_string(self.handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps") },
                { ccurl_setopt_long(self.handle, CURLOPT_NOSIGNAL, 1) },
                {
                    ccurl_setopt_long(
                        self.handle, CURLOPT_CONNECTTIMEOUT_MS, Int(self.configuration.connectTimeout.milliseconds))
                },
                {
                    ccurl_setopt_long(
                        self.handle, CURLOPT_TIMEOUT_MS, Int(self.configuration.totalTimeout.milliseconds))
                },
                // STARTTLS whenever the server offers it.
                { ccurl_setopt_long(self.handle, CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue)) },
                { ccurl_setopt_string(self.handle, CURLOPT_MAIL_FROM, "<\(message.from)>") },
                { ccurl_setopt_slist(self.handle, CURLOPT_MAIL_RCPT, recipients) },
                { ccurl_setopt_long(self.handle, CURLOPT_UPLOAD, 1) },
                { ccurl_setopt_pointer(self.handle, CURLOPT_READDATA, context) },
                { ccurl_setopt_data_fn(self.handle, CURLOPT_READFUNCTION, curlReadCallback) },
            ]
            if !server.username.isEmpty {
                steps.append { ccurl_setopt_string(self.handle, CURLOPT_USERNAME, server.username) }
                steps.append { ccurl_setopt_string(self.handle, CURLOPT_PASSWORD, server.password) }
            }
            for step in steps {
                let code = step()
                if code != CURLE_OK { return code }
            }
            return withExtendedLifetime(reader) { curl_easy_perform(self.handle) }
        }
        guard code == CURLE_OK else { throw .failed(code, errorBuffer: errorBuffer) }
    }
}
