import HTTPServer
import InfluxClient

extension Setting {
    /// Every setting, in the order `plantbuddy help` and the README list them. Later entries win
    /// where two store the same value: a `…_FILE` secret replaces the plain one.
    public static let all: [Setting] = [
        Setting(
            "PLANTBUDDY_LISTEN", default: "127.0.0.1:5000", "host:port to listen on", \.listen,
            SettingValue.listenAddress),
        Setting(
            "PLANTBUDDY_DATA_DIR", default: "./data", "directory for the users file, the buffer and dead letters",
            \.dataDirectory, SettingValue.nonEmpty),
        Setting(
            "INFLUX_URL", default: "http://127.0.0.1:8086", "InfluxDB base URL", \.influx.url, SettingValue.httpURL),
        Setting(
            "INFLUX_TOKEN", default: "", "InfluxDB API token (prefer INFLUX_TOKEN_FILE)", \.influx.token,
            SettingValue.text),
        .secretFile("INFLUX_TOKEN_FILE", "file whose first line is the InfluxDB token", \.influx.token),
        Setting(
            "INFLUX_ORG", default: "", "InfluxDB organisation (v2 API; required there)", \.influx.org, SettingValue.text
        ),
        Setting(
            "INFLUX_BUCKET", default: "plantbuddy", "bucket for raw readings (v2 API)", \.influx.bucket,
            SettingValue.nonEmpty),
        Setting(
            "INFLUX_API", default: "auto", "v1, v2, v3, or auto (ask /ping for the version)", \.influx.api,
            SettingValue.api),
        Setting(
            "INFLUX_DB", default: nil, "database for the v1 API (default: the bucket name)", \.influx.database,
            SettingValue.nonEmpty),
        Setting(
            "INFLUX_TIMEOUT", default: "10s", "whole-request timeout for InfluxDB calls", \.influxTimeout,
            SettingValue.duration),
        Setting(
            "INFLUX_GZIP", default: "false", "gzip write bodies sent to InfluxDB", \.influx.gzip, SettingValue.boolean),
        Setting(
            "INFLUX_DOWNSAMPLED_BUCKET", default: "downsampled",
            "where the 10-minute means that setup makes and the 7d and 30d graphs read live: a bucket (2.x), retention policy (1.x) or database (3.x); empty: none",
            \.downsampledBucket, SettingValue.text),
        Setting(
            "PLANTBUDDY_FLUX_DIR", default: "./Flux", "directory of the Flux scripts", \.fluxDirectory,
            SettingValue.nonEmpty),
        Setting(
            "PLANTBUDDY_PLUGINS_DIR", default: "./Plugins", "directory of the InfluxDB 3 plugins that setup uploads",
            \.pluginsDirectory, SettingValue.nonEmpty),
        Setting(
            "PLANTBUDDY_TEMPLATES_DIR", default: "./Templates", "directory of the HTML templates",
            \.templatesDirectory, SettingValue.nonEmpty),
        Setting(
            "PLANTBUDDY_PASSWORD_ITERATIONS", default: "600000", "PBKDF2-HMAC-SHA256 rounds for new password hashes",
            \.passwordIterations, SettingValue.count),
        Setting(
            "PLANTBUDDY_SESSION_TTL", default: "7d", "how long a sign-in lasts", \.sessionLifetime,
            SettingValue.duration),
        Setting(
            "PLANTBUDDY_SOIL_CRIT", default: "35",
            "the default alert of everyone without a soil-moisture rule of their own: at or below this",
            \.soilCritThreshold, SettingValue.number),
        Setting(
            "PLANTBUDDY_GATEWAY_ALERTS", default: "auto",
            "auto: the gateway evaluates alert rules on InfluxDB 1.x and writes them for 2.x's task; off: neither",
            \.gatewayAlerts, SettingValue.onOrOff),
        Setting(
            "PLANTBUDDY_MAX_RULES", default: "20", "alert rules one person may set", \.alertLimits.maxRulesPerUser,
            SettingValue.count),
        Setting(
            "PLANTBUDDY_MIN_SILENCE", default: "1m", "the shortest 'no reading for' an alert rule may ask for",
            \.alertLimits.minSilenceSeconds, SettingValue.wholeSeconds),
        Setting(
            "PLANTBUDDY_MAX_SILENCE", default: "7d", "the longest 'no reading for' an alert rule may ask for",
            \.alertLimits.maxSilenceSeconds, SettingValue.wholeSeconds),
        Setting(
            "INFLUX_RAW_RETENTION", default: "30d", "setup: how long the raw bucket keeps data", \.rawRetention,
            SettingValue.duration),
        Setting(
            "INFLUX_DOWNSAMPLED_RETENTION", default: "365d", "setup: how long the downsampled bucket keeps data",
            \.downsampledRetention, SettingValue.duration),
        Setting(
            "PLANTBUDDY_NOTIFY_SECRET", default: "",
            "shared secret InfluxDB's notification rule sends to /notify (prefer the _FILE form)", \.notifySecret,
            SettingValue.text),
        .secretFile("PLANTBUDDY_NOTIFY_SECRET_FILE", "file whose first line is that secret", \.notifySecret),
        Setting(
            "PLANTBUDDY_SMTP_URL", default: "",
            "mail server for e-mail alerts: smtp://host:587 (STARTTLS when offered) or smtps://host:465",
            \.smtp.url, SettingValue.mailServerURL),
        Setting(
            "PLANTBUDDY_SMTP_FROM", default: "plantbuddy@localhost", "sender of e-mail alerts", \.smtp.from,
            SettingValue.nonEmpty),
        Setting(
            "PLANTBUDDY_SMTP_USERNAME", default: "", "mail server login (empty: none)", \.smtp.username,
            SettingValue.text),
        .secretFile("PLANTBUDDY_SMTP_PASSWORD_FILE", "file whose first line is the mail password", \.smtp.password),
        Setting(
            "PLANTBUDDY_NOTIFY_ATTEMPTS", default: "5", "tries per alert delivery before giving up", \.notifyAttempts,
            SettingValue.count),
        Setting(
            "PLANTBUDDY_NOTIFY_RETRY", default: "30s", "wait before the first retry (then doubling)", \.notifyRetry,
            SettingValue.duration),
        Setting(
            "PLANTBUDDY_LOGIN_ATTEMPTS", default: "5",
            "failed sign-ins per user name and per client address before a pause", \.loginAttempts,
            SettingValue.count),
        Setting(
            "PLANTBUDDY_LOGIN_WINDOW", default: "15m", "how long that pause lasts", \.loginWindow,
            SettingValue.duration),
        Setting(
            "PLANTBUDDY_PROXY_USER_HEADER", default: "",
            "header naming the signed-in user, set by a trusted reverse proxy (empty: off)", \.proxyUserHeader,
            SettingValue.text),
        Setting(
            "PLANTBUDDY_TRUSTED_PROXIES", default: "",
            "comma-separated proxy IP addresses whose user header is believed", \.trustedProxies, SettingValue.list),
        Setting(
            "PLANTBUDDY_PUBLIC_URL", default: "",
            "the gateway's URL as users see it (https makes cookies Secure; shown in the empty state)", \.publicURL,
            SettingValue.optionalHTTPURL),
        Setting(
            "PLANTBUDDY_WAL_FSYNC", default: "true",
            "fsync readings before answering 204; false survives a gateway crash but not a power cut", \.walFsync,
            SettingValue.boolean),
        Setting(
            "PLANTBUDDY_BUFFER_MAX_BYTES", default: "268435456",
            "readings buffered for InfluxDB; when full, /write answers 503", \.maxBufferedBytes, SettingValue.count),
        Setting(
            "PLANTBUDDY_WAL_SEGMENT_BYTES", default: "8388608", "size of one buffer file", \.walSegmentBytes,
            SettingValue.count),
        Setting(
            "PLANTBUDDY_WAL_MEMORY_BYTES", default: "8388608",
            "newest buffered readings also kept in memory, so a forwarder keeping up need not read the files",
            \.walMemoryBytes, SettingValue.count),
        Setting(
            "PLANTBUDDY_BATCH_LINES", default: "2000",
            "most lines per InfluxDB write (5 writes per 10,000 lines; bench/README.md)", \.delivery.batchLines,
            SettingValue.count),
        Setting(
            "PLANTBUDDY_BATCH_BYTES", default: "2097152", "most bytes per InfluxDB write", \.delivery.batchBytes,
            SettingValue.count),
        Setting(
            "PLANTBUDDY_FLUSH_INTERVAL", default: "1s", "longest a reading waits for a fuller batch",
            \.delivery.flushInterval, SettingValue.duration),
        Setting(
            "PLANTBUDDY_RETRY_INITIAL", default: "1s", "first wait after a failed write", \.delivery.retryInitial,
            SettingValue.duration),
        Setting(
            "PLANTBUDDY_RETRY_MAX", default: "60s", "longest wait between retries (and the pace for 401/403/404)",
            \.delivery.retryMax, SettingValue.duration),
        Setting(
            "PLANTBUDDY_FLUSH_GRACE", default: "10s",
            "at exit, time to deliver buffered readings before leaving them on disk", \.delivery.shutdownGrace,
            SettingValue.duration),
        Setting(
            "PLANTBUDDY_SENSORS", default: SensorCatalog.standard.description, "sensor codes and their measurements",
            \.sensors, SettingValue.sensors),
        Setting(
            "PLANTBUDDY_LOG_LEVEL", default: "info", "debug, info, warn or error", \.logLevel, SettingValue.logLevel),
        Setting(
            "PLANTBUDDY_LOG_REPEAT_INTERVAL", default: "10s",
            "a failure repeating fast (a full disk, a token scanner) is logged once, then counted this often",
            \.logRepeatInterval, SettingValue.duration),
        Setting(
            "PLANTBUDDY_METRICS_TOKEN", default: "", "bearer token /metrics requires (empty: open)", \.metricsToken,
            SettingValue.text),
        Setting(
            "PLANTBUDDY_MAX_BODY_BYTES", default: "1048576", "largest request body (413)",
            \.server.limits.maxBodyBytes, SettingValue.count),
        Setting(
            "PLANTBUDDY_MAX_REQUEST_LINE_BYTES", default: "8192", "longest request line (414)",
            \.server.limits.maxRequestLineBytes, SettingValue.count),
        Setting(
            "PLANTBUDDY_MAX_HEADER_BYTES", default: "32768", "request line + headers (431)",
            \.server.limits.maxHeadBytes, SettingValue.count),
        Setting(
            "PLANTBUDDY_MAX_HEADER_COUNT", default: "100", "header fields per request (431)",
            \.server.limits.maxHeaderCount, SettingValue.count),
        Setting(
            "PLANTBUDDY_MAX_CONNECTIONS", default: "10000", "open connections (503 past it)", \.server.maxConnections,
            SettingValue.count),
        Setting(
            "PLANTBUDDY_HEADER_TIMEOUT", default: "10s", "time to send a request head (408)",
            \.server.headerReadTimeout, SettingValue.duration),
        Setting(
            "PLANTBUDDY_BODY_TIMEOUT", default: "30s", "time to send a request body (408)", \.server.bodyReadTimeout,
            SettingValue.duration),
        Setting(
            "PLANTBUDDY_IDLE_TIMEOUT", default: "60s", "keep-alive idle time before closing", \.server.idleTimeout,
            SettingValue.duration),
        Setting(
            "PLANTBUDDY_WRITE_TIMEOUT", default: "30s", "time for a client to read a response", \.server.writeTimeout,
            SettingValue.duration),
        Setting(
            "PLANTBUDDY_SHUTDOWN_GRACE", default: "10s", "time for in-flight requests at exit",
            \.server.shutdownGracePeriod, SettingValue.duration),
        Setting(
            "PLANTBUDDY_IO_THREADS", default: "auto", "epoll I/O threads; auto: one per CPU the process may use",
            \.server.ioThreads, SettingValue.countOrAuto),
        Setting(
            "PLANTBUDDY_WORKER_THREADS", default: "16", "handler threads (may block on InfluxDB)",
            \.server.workerThreads, SettingValue.count),
    ]
}
