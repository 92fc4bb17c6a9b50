#!/usr/bin/env python3
"""The Python influxdb-client's annotated-CSV parser on the same bytes: the reference the Swift
parser is compared with. From memory, it streams FluxRecords as the client's query_stream does;
with URL (an InfluxDB 2.x stand-in that answers every query with FILE), it runs query_stream itself,
parsing while the response arrives over loopback. Usage: csv_python.py FILE [URL]"""
import io
import sys
import time

from influxdb_client import InfluxDBClient
from influxdb_client.client.flux_csv_parser import FluxCsvParser, FluxSerializationMode


def best_of(runs, parse):
    best = None
    for _ in range(runs):
        started = time.perf_counter()
        rows = parse()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return rows, best


def report(label, rows, seconds, size):
    print(f"python {label} {rows} rows in {seconds:.3f} s: {rows / seconds:,.0f} rows/s, {size / seconds / 1e6:.1f} MB/s")


with open(sys.argv[1], "rb") as file:
    data = file.read()


def from_memory():
    with FluxCsvParser(response=io.BytesIO(data), serialization_mode=FluxSerializationMode.stream) as parser:
        return sum(1 for _ in parser.generator())


report("file:", *best_of(2, from_memory), len(data))

if len(sys.argv) > 2:
    with InfluxDBClient(url=sys.argv[2], token="bench", org="bench", timeout=600_000) as client:
        query = client.query_api()
        report("stream:", *best_of(1, lambda: sum(1 for _ in query.query_stream('from(bucket: "bench")'))), len(data))
