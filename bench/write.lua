-- wrk script: one device request per call, five sensor lines, the device token from PB_TOKEN.
wrk.method = "POST"
wrk.headers["Authorization"] = "Token " .. os.getenv("PB_TOKEN")
wrk.headers["Content-Type"] = "text/plain"
wrk.body = "01SM144\r\n01LI812\r\n01HU055\r\n01ST019\r\n01AT021\r\n"
