#!/usr/bin/env python3
"""Holds COUNT idle keep-alive connections to a gateway, then reports its RSS and idle CPU and how
fast a new client is answered. Usage: idle_connections.py PORT PID COUNT TOKEN [IDLE_SECONDS]"""
import os
import socket
import statistics
import sys
import time

port, pid, count, token = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
idle_seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 10
TICKS = os.sysconf("SC_CLK_TCK")


def rss_mb():
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024


def cpu_seconds():
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def exchange(sock, request):
    sock.sendall(request)
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError("connection closed")
        response += chunk
    return response.split(b" ", 2)[1]


READY = b"GET /ready HTTP/1.1\r\nHost: bench\r\n\r\n"
body = b"01SM144\r\n"
WRITE = (f"POST /write HTTP/1.1\r\nHost: bench\r\nAuthorization: Token {token}\r\n"
         f"Content-Length: {len(body)}\r\n\r\n").encode() + body

print(f"gateway RSS before: {rss_mb():.1f} MB")
held = []
started = time.monotonic()
for _ in range(count):
    sock = socket.create_connection(("127.0.0.1", port))
    status = exchange(sock, READY)
    assert status == b"200", status
    held.append(sock)
print(f"opened {count} keep-alive connections (each answered once) in {time.monotonic() - started:.1f} s")
time.sleep(1)
cpu_before, wall_before = cpu_seconds(), time.monotonic()
time.sleep(idle_seconds)
idle_cpu = (cpu_seconds() - cpu_before) / (time.monotonic() - wall_before) * 100
print(f"with {count} idle connections: RSS {rss_mb():.1f} MB, CPU while idle {idle_cpu:.2f} % over {idle_seconds:.0f} s")

latencies = []
for _ in range(50):
    begin = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        status = exchange(sock, WRITE)
    latencies.append((time.monotonic() - begin) * 1000)
    assert status == b"204", status
latencies.sort()
print(f"new client, connect + POST /write: median {statistics.median(latencies):.2f} ms, "
      f"max {latencies[-1]:.2f} ms over 50")
still_open = sum(1 for sock in held if exchange(sock, READY) == b"200")
print(f"held connections still answering afterwards: {still_open} of {count}")
