"""The alerts plugin on the fake engine, POSTing to a loopback /notify that records what it gets."""

import datetime
import http.server
import json
import os
import sys
import threading

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))

from fake_engine import FakeInfluxDB3Local  # noqa: E402
import plantbuddy_alerts as plugin  # noqa: E402

SECOND = 10**9
NOW = int(datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.timezone.utc).timestamp()) * SECOND
ARGS = {"tables": "soil_moisture,light", "lookback_seconds": "86400"}


class Notify(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Notify.received.append((self.headers["Authorization"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def notify(monkeypatch):
    server = http.server.HTTPServer(("127.0.0.1", 0), Notify)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Notify.received = []
    monkeypatch.setenv("PLANTBUDDY_NOTIFY_SECRET", "s3cret")
    yield f"http://127.0.0.1:{server.server_port}/notify"
    server.shutdown()


def engine_with(rules, readings):
    engine = FakeInfluxDB3Local()
    engine.now_ns = NOW
    engine.insert("plantbuddy_rules", rules)
    for table, rows in readings.items():
        engine.insert(table, rows)
    return engine


def rule(rule_id, kind, threshold=0.0, silence=0, device="*", active=True, time=NOW - 3600 * SECOND, sensor="soil_moisture"):
    return {
        "time": time, "user": "rick", "rule_id": rule_id, "sensor": sensor, "device_id": device,
        "kind": kind, "threshold": threshold, "silence_seconds": silence, "active": active,
    }


def reading(value, seconds_ago, device="01", user="rick"):
    return {"time": NOW - seconds_ago * SECOND, "user": user, "device_id": device, "reading": value}


def run(engine, url, minutes_later=0):
    engine.now_ns = NOW + minutes_later * 60 * SECOND
    call = datetime.datetime.fromtimestamp(engine.now_ns / SECOND, tz=datetime.timezone.utc)
    return plugin.process_scheduled_call(engine, call, dict(ARGS, notify_url=url))


def test_a_breach_is_sent_once_with_the_secret_and_its_recovery_once(notify):
    engine = engine_with([rule("dry", "below", 30.0)], {"soil_moisture": [reading(45, 600), reading(20, 60)]})
    assert run(engine, notify) == 1
    secret, event = Notify.received[0]
    assert secret == "s3cret"
    assert event == {
        "user": "rick", "device_id": "01", "sensor": "soil_moisture", "level": "crit",
        "message": "soil_moisture 20 (below 30)", "time": "2026-12-02T12:00:00.000000000Z",
        "check_id": "dry", "value": 20.0,
    }
    assert run(engine, notify, minutes_later=1) == 0, "still dry: nothing new to say"
    engine.insert("soil_moisture", [reading(50, -90)])
    assert run(engine, notify, minutes_later=2) == 1
    assert [e["level"] for _, e in Notify.received] == ["crit", "ok"]


def test_only_the_last_point_of_a_rule_counts_and_other_users_readings_never_match(notify):
    rules = [rule("dry", "below", 30.0), rule("dry", "below", 30.0, active=False, time=NOW - 60 * SECOND)]
    engine = engine_with(rules, {"soil_moisture": [reading(10, 60), reading(5, 60, user="morty")]})
    assert run(engine, notify) == 0 and Notify.received == []
    engine = engine_with([rule("wet", "above", 80.0, device="02")], {"soil_moisture": [reading(90, 60, user="morty", device="02"), reading(90, 60)]})
    assert run(engine, notify) == 0, "morty's reading and rick's other device do not match rick's rule"


def test_a_silent_device_alerts_and_a_healthy_start_says_nothing(notify):
    engine = engine_with(
        [rule("quiet", "silent", silence=1800, sensor="light")],
        {"light": [reading(300, 3600, device="01"), reading(300, 60, device="02")]},
    )
    assert run(engine, notify) == 1
    assert [(e["device_id"], e["level"], e["message"]) for _, e in Notify.received] == [
        ("01", "crit", "no light reading for 1800s")
    ]


def test_without_the_secret_in_the_environment_nothing_is_sent(notify, monkeypatch):
    monkeypatch.delenv("PLANTBUDDY_NOTIFY_SECRET")
    engine = engine_with([rule("dry", "below", 30.0)], {"soil_moisture": [reading(20, 60)]})
    assert run(engine, notify) == 0 and Notify.received == []
    assert any(level == "error" and "PLANTBUDDY_NOTIFY_SECRET" in message for level, message in engine.logs)


def test_a_failed_post_is_tried_again_next_run(notify):
    engine = engine_with([rule("dry", "below", 30.0)], {"soil_moisture": [reading(20, 60)]})
    assert run(engine, "http://127.0.0.1:9/notify") == 0
    assert run(engine, notify, minutes_later=1) == 1
