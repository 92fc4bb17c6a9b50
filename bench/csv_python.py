#!/usr/bin/env python3
"""The Python influxdb-client's annotated-CSV parser on the same bytes: the reference the Swift
parser is compared with. Streams FluxRecords as the client's query_stream does. Usage: csv_python.py FILE"""
import io
import sys
import time

from influxdb_client.client.flux_csv_parser import FluxCsvParser, FluxSerializationMode

with open(sys.argv[1], "rb") as file:
    data = file.read()
best = None
for _ in range(2):
    started = time.perf_counter()
    with FluxCsvParser(response=io.BytesIO(data), serialization_mode=FluxSerializationMode.stream) as parser:
        rows = sum(1 for _ in parser.generator())
    elapsed = time.perf_counter() - started
    best = elapsed if best is None else min(best, elapsed)
print(f"python influxdb-client: {rows} rows in {best:.3f} s: {rows / best:,.0f} rows/s, {len(data) / best / 1e6:.1f} MB/s")
