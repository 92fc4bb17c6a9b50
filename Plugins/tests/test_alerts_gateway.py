"""The alerts plugin, on the fake engine, POSTing to a real gateway (the `plantbuddy` binary named by
PLANTBUDDY_BIN; scripts/test sets it): the gateway takes the plugin's JSON with the shared secret and
stores the alert for the person, and refuses it with another secret."""

import datetime
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))

from fake_engine import FakeInfluxDB3Local  # noqa: E402
import plantbuddy_alerts as plugin  # noqa: E402

BINARY = os.environ.get("PLANTBUDDY_BIN")
SECOND = 10**9


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gateway():
    if not BINARY:
        pytest.fail("PLANTBUDDY_BIN must name the plantbuddy binary (scripts/test sets it)")
    data = tempfile.mkdtemp(prefix="plantbuddy-plugin-")
    environment = dict(
        os.environ, PLANTBUDDY_DATA_DIR=data, PLANTBUDDY_NOTIFY_SECRET="s3cret", INFLUX_URL="http://127.0.0.1:9",
        INFLUX_API="v3", PLANTBUDDY_LISTEN=f"127.0.0.1:{free_port()}", PLANTBUDDY_LOG_LEVEL="warn",
    )
    subprocess.run([BINARY, "users", "add", "rick"], env=environment, check=True, capture_output=True)
    process = subprocess.Popen([BINARY, "serve"], env=environment, stderr=subprocess.DEVNULL)
    url = f"http://{environment['PLANTBUDDY_LISTEN']}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/ready")
            break
        except OSError:
            time.sleep(0.1)
    yield url, data
    process.terminate()
    process.wait()


def metrics(url):
    return urllib.request.urlopen(url + "/metrics").read().decode()


def test_the_gateway_stores_what_the_plugin_sends_and_refuses_a_wrong_secret(gateway, monkeypatch):
    url, data = gateway
    now = int(time.time()) * SECOND
    engine = FakeInfluxDB3Local()
    engine.now_ns = now
    engine.insert(
        "plantbuddy_rules",
        [{"time": now - 60 * SECOND, "user": "rick", "rule_id": "default-soil", "sensor": "soil_moisture",
          "device_id": "*", "kind": "below", "threshold": 35.0, "silence_seconds": 0, "active": True}],
    )
    engine.insert("soil_moisture", [{"time": now - 30 * SECOND, "user": "rick", "device_id": "01", "reading": 21.0}])
    call = datetime.datetime.fromtimestamp(now / SECOND, tz=datetime.timezone.utc)
    args = {"notify_url": url + "/notify", "tables": "soil_moisture", "lookback_seconds": "3600"}

    monkeypatch.setenv("PLANTBUDDY_NOTIFY_SECRET", "wrong")
    assert plugin.process_scheduled_call(engine, call, args) == 0
    assert 'plantbuddy_notifications_total{result="unauthorized"} 1' in metrics(url)

    monkeypatch.setenv("PLANTBUDDY_NOTIFY_SECRET", "s3cret")
    assert plugin.process_scheduled_call(engine, call, args) == 1
    assert 'plantbuddy_notifications_total{result="stored"} 1' in metrics(url)
    stored = "".join(
        open(os.path.join(root, name)).read()
        for root, _, names in os.walk(os.path.join(data, "notifications"))
        for name in names
    )
    # The gateway words it for the person, from the fields the plugin sent.
    assert "device 01: soil moisture 21 (at or below 35)" in stored and '"level":"crit"' in stored
