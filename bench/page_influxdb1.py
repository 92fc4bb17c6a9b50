"""The graph page against a real InfluxDB 1.x, for bench/page.sh.

  generate INFLUXD_URL DAYS     writes DAYS of one-a-minute readings to database `plantbuddy`: rick with
                                3 devices, 10 other users with one, 5 sensors each
  measure RUNS GATEWAY LOG RAW_GATEWAY RAW_LOG INFLUXD_URL
                                per range, alternating RUNS times: the page from the gateway (which reads
                                the downsampled data for 7d and 30d), the queries it ran (taken from its
                                debug log, replayed straight to influxd), and the page and query of a
                                gateway reading raw readings only. Prints a table of medians.
Standard library only.
"""

import json
import math
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request
from http.client import HTTPConnection

SENSORS = ["soil_moisture", "air_temp", "humidity", "light", "soil_temp"]
RANGES = ["6h", "48h", "7d", "30d"]


def generate(influxd, days):
    now = int(time.time()) // 60 * 60
    start = now - days * 86400
    series = [("rick", f"0{d}") for d in range(1, 4)] + [(f"user{u}", "01") for u in range(10)]
    url = influxd + "/write?db=plantbuddy&precision=s"
    total = 0
    for chunk_start in range(start, now, 6 * 3600):
        lines = []
        for minute in range(chunk_start, min(chunk_start + 6 * 3600, now), 60):
            for user, device in series:
                for index, sensor in enumerate(SENSORS):
                    value = 40 + 20 * math.sin(minute / 3600 + index) + (hash((user, device)) % 7)
                    lines.append(f"{sensor},device_id={device},user={user} reading={value:.1f} {minute}")
        body = "\n".join(lines).encode()
        urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST")).read()
        total += len(lines)
    print(f"wrote {total} points over {days} days")


def sign_in(gateway):
    host = urllib.parse.urlsplit(gateway).netloc
    connection = HTTPConnection(host)
    connection.request("GET", "/login")
    response = connection.getresponse()
    form = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    body = urllib.parse.urlencode({"csrf": csrf, "username": "rick", "password": "bench-password"})
    connection.request(
        "POST", "/login", body, {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    )
    response = connection.getresponse()
    response.read()
    session = [c for c in response.getheaders() if c[0] == "Set-Cookie" and "pb_session=" in c[1]]
    if not session:
        sys.exit("sign-in failed")
    return connection, session[0][1].split(";")[0]


def timed(function):
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def page(connection, session, range_):
    def get():
        connection.request("GET", f"/?range={range_}", headers={"Cookie": session})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200 or b"cannot be shown" in body:
            sys.exit(f"page {range_} failed: {response.status}")

    return timed(get)


def queries_logged(log, offset):
    """The `influx query` texts the gateway logged after byte `offset` of its log, and the new offset."""
    with open(log, "rb") as file:
        file.seek(offset)
        text = file.read().decode()
        offset = file.tell()
    found = []
    for line in text.splitlines():
        if 'msg="influx query"' in line:
            match = re.search(r' query=("(?:[^"\\]|\\.)*")', line)
            found.append(json.loads(match.group(1)))
    return found, offset


def run_queries(connection, queries):
    def run():
        for query in queries:
            body = urllib.parse.urlencode({"q": query, "db": "plantbuddy", "epoch": "ms"})
            connection.request("POST", "/query", body, {"Content-Type": "application/x-www-form-urlencoded"})
            response = connection.getresponse()
            answer = response.read()
            if response.status != 200 or b'"error"' in answer:
                sys.exit(f"query failed: {answer[:200]}")

    return timed(run)


def measure(runs, gateway, log, raw_gateway, raw_log, influxd):
    pages, session = sign_in(gateway)
    raw_pages, raw_session = sign_in(raw_gateway)
    database = HTTPConnection(urllib.parse.urlsplit(influxd).netloc)
    offsets = {log: 0, raw_log: 0}
    print("| range | page | its queries (count) | gateway's share | raw page | its queries | raw page / page |")
    print("|---|---|---|---|---|---|---|")
    for range_ in RANGES:
        # One view each to learn the queries the page runs (and to warm caches).
        page(pages, session, range_)
        queries, offsets[log] = queries_logged(log, offsets[log])
        page(raw_pages, raw_session, range_)
        raw_queries, offsets[raw_log] = queries_logged(raw_log, offsets[raw_log])
        samples = {"page": [], "queries": [], "share": [], "raw page": [], "raw query": []}
        for _ in range(runs):
            page_ms = page(pages, session, range_)
            queries_ms = run_queries(database, queries)
            samples["page"].append(page_ms)
            samples["queries"].append(queries_ms)
            samples["share"].append(page_ms - queries_ms)
            samples["raw page"].append(page(raw_pages, raw_session, range_))
            samples["raw query"].append(run_queries(database, raw_queries))
        # What the measured views logged is not the next range's.
        _, offsets[log] = queries_logged(log, offsets[log])
        _, offsets[raw_log] = queries_logged(raw_log, offsets[raw_log])
        median = {name: statistics.median(values) for name, values in samples.items()}
        print(
            f"| {range_} | {median['page']:.1f} ms | {median['queries']:.1f} ms ({len(queries)}) "
            f"| {median['share']:.1f} ms | {median['raw page']:.1f} ms | {median['raw query']:.1f} ms "
            f"| {median['raw page'] / median['page']:.1f}× |"
        )


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(sys.argv[2], int(sys.argv[3]))
    else:
        measure(int(sys.argv[2]), *sys.argv[3:8])
