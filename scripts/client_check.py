"""scripts/client-check's checks: influxdb-client against the gateway, InfluxDB 1.x behind it.

Usage: client_check.py GATEWAY_URL DEVICE_TOKEN INFLUXD_URL
"""

import json
import sys
import time
import urllib.parse
import urllib.request

from influxdb_client import InfluxDBClient, Point, WriteOptions
from influxdb_client.client.exceptions import InfluxDBError
from influxdb_client.client.write_api import SYNCHRONOUS

gateway, token, influxd = sys.argv[1:4]
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def stored(measurement):
    """The readings InfluxDB 1.x holds for `measurement`, as (user, device, reading), waiting for the gateway's batch."""
    query = urllib.parse.urlencode({"db": "plantbuddy", "q": f'SELECT "user", device_id, reading FROM "{measurement}"'})
    rows = []
    for _ in range(50):
        answer = json.load(urllib.request.urlopen(f"{influxd}/query?{query}"))
        series = answer["results"][0].get("series", [])
        rows = sorted((u, d, r) for _, u, d, r in series[0]["values"]) if series else []
        if rows:
            return rows
        time.sleep(0.1)
    return rows


with InfluxDBClient(url=gateway, token=token, org="plantbuddy") as client:
    check(client.ping() is True, "ping() is True")
    health = client.health()
    check(health.status == "pass", f"health() says pass (said {health.status}: {health.message})")

    client.write_api(write_options=SYNCHRONOUS).write(
        bucket="plantbuddy", record=Point("soil_moisture").tag("device_id", "01").field("reading", 41.5)
    )
    check(stored("soil_moisture") == [("rick", "01", 41.5)], "a single point reaches InfluxDB, stamped with the user")

    with client.write_api(write_options=WriteOptions(batch_size=50, flush_interval=200)) as batched:
        for index in range(120):
            point = Point("humidity").tag("device_id", "02").field("reading", float(index))
            batched.write(bucket="plantbuddy", record=point.time(1_700_000_000_000_000_000 + index))
    rows = stored("humidity")
    for _ in range(30):
        if len(rows) == 120:
            break
        time.sleep(0.1)
        rows = stored("humidity")
    check(len(rows) == 120 and all(user == "rick" for user, _, _ in rows), f"120 batched points reach InfluxDB ({len(rows)})")

    try:
        client.write_api(write_options=SYNCHRONOUS).write(
            bucket="plantbuddy", record=Point("light").tag("user", "morty").tag("device_id", "01").field("reading", 1.0)
        )
        check(False, "a point naming another user is refused")
    except InfluxDBError as error:
        check(error.response.status == 400, f"a point naming another user is refused ({error.response.status})")
    check(stored("light") == [], "nothing of the refused point reaches InfluxDB")

sys.exit(1 if failures else 0)
