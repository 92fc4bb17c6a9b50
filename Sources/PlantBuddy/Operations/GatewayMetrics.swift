import Observability

/// The help text and type of every metric the gateway's own code reports, so `/metrics` describes
/// each one (the HTTP server describes its own `http_server_…` series).
enum GatewayMetrics {
    static func describe(in metrics: Metrics) {
        metrics.describe("plantbuddy_http_requests_total", .counter, help: "Requests answered, by route and status.")
        metrics.describe(
            "plantbuddy_http_request_duration_seconds", .histogram, help: "Time to answer a request, by route.")
        metrics.describe(
            "plantbuddy_lines_accepted_total", .counter, help: "Readings buffered and acknowledged (204/400).")
        metrics.describe("plantbuddy_points_written_total", .counter, help: "Points InfluxDB acknowledged.")
        metrics.describe("plantbuddy_batches_sent_total", .counter, help: "Write requests InfluxDB acknowledged.")
        metrics.describe(
            "plantbuddy_influx_write_bytes_total", .counter, help: "Body bytes of the writes InfluxDB acknowledged.")
        metrics.describe(
            "plantbuddy_batches_retried_total", .counter, help: "Write requests that failed and will be retried.")
        metrics.describe("plantbuddy_lines_dead_lettered_total", .counter, help: "Lines InfluxDB refused for good.")
        metrics.describe("plantbuddy_buffer_lines", .gauge, help: "Readings buffered and not yet in InfluxDB.")
        metrics.describe("plantbuddy_buffer_bytes", .gauge, help: "Bytes buffered and not yet in InfluxDB.")
        metrics.describe("plantbuddy_buffer_oldest_age_seconds", .gauge, help: "Age of the oldest unsent reading.")
        metrics.describe("plantbuddy_buffer_appends_total", .counter, help: "Requests appended to the buffer.")
        metrics.describe("plantbuddy_buffer_fsyncs_total", .counter, help: "fsyncs of the buffer (group commit).")
        metrics.describe(
            "plantbuddy_buffer_fsync_seconds_total", .counter,
            help: "Seconds spent writing and fsyncing the buffer's groups (per fsync: divide by the fsyncs).")
        metrics.describe(
            "plantbuddy_buffer_file_reads_total", .counter,
            help: "Reads the forwarder made from the buffer files: after a restart or once far behind.")
        metrics.describe(
            "plantbuddy_buffer_refusals_total", .counter, help: "/write requests refused: buffer full or failing.")
        metrics.describe(
            "plantbuddy_influx_last_error_timestamp_seconds", .gauge, help: "When the last InfluxDB write failed.")
        metrics.describe(
            "plantbuddy_influx_last_error_info", .gauge, help: "The last InfluxDB write error, as a label.")
        metrics.describe("plantbuddy_lines_rejected_total", .counter, help: "Device lines refused as malformed.")
        metrics.describe(
            "plantbuddy_sensor_failures_total", .counter, help: "ERR lines: sensors the devices report failed.")
        metrics.describe("plantbuddy_auth_failures_total", .counter, help: "Requests with a missing or unknown token.")
        metrics.describe("plantbuddy_influx_write_errors_total", .counter, help: "Failed InfluxDB writes, by kind.")
        metrics.describe(
            "plantbuddy_dead_letter_errors_total", .counter, help: "Failures to write the dead-letter file.")
        metrics.describe("plantbuddy_logins_total", .counter, help: "Sign-in attempts, by result.")
        metrics.describe("plantbuddy_notifications_total", .counter, help: "/notify requests, by result.")
        metrics.describe(
            "plantbuddy_notification_deliveries_total", .counter, help: "Alert deliveries, by channel and result.")
        metrics.describe(
            "plantbuddy_csrf_refusals_total", .counter, help: "Forms refused for a missing or wrong CSRF token.")
        metrics.describe("plantbuddy_influx_query_errors_total", .counter, help: "Graph queries that failed.")
        metrics.describe("plantbuddy_buffer_read_errors_total", .counter, help: "Failures to read the buffer files.")
        metrics.describe(
            "plantbuddy_alert_transitions_total", .counter,
            help: "Alert rules the gateway judged moving into alert (crit) or out (ok), on InfluxDB 1.x.")
        metrics.describe(
            "plantbuddy_alert_state_errors_total", .counter, help: "Failures to save the open alerts (alerts.json).")
        metrics.describe(
            "plantbuddy_rule_points_written_total", .counter,
            help: "Alert rules written for InfluxDB's alert check task (2.x), as points.")
        metrics.describe("plantbuddy_settings_changes_total", .counter, help: "Settings forms, by result.")
    }
}
