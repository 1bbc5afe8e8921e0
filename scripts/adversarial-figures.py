#!/usr/bin/env python3
"""Measures how the servers hold up against hostile clients and upstreams, with the numbers
that show whether memory, connections and CPU stay within their bounds.

    scripts/adversarial-figures.py [BIN_DIR]      (default: .build/release)

Build first with `swift build -c release`. Every server runs on 127.0.0.1 on a free port and
every loop is bounded; the whole run takes about two minutes. It prints one line per figure:

  head-rss        peak RSS of Step3MinUses --max-size 1m after 8 concurrent HEADs (twice, so
                  the second round is admitted) of a 200 MB image
  chunked-rss     peak RSS of Step3MinUses --max-size 1m while 4 clients GET a 300 MB chunked body
  keys-rss        RSS of Step3MinUses --keys-zone 10m after 90,000 one-hit URLs with 7 KB queries
  idle-flood      time for a new client to be answered by Step1Origin while 1,100 idle
                  keep-alive connections hold its 1,024 connection slots
  slow-head-cpu   CPU seconds Step1Origin spends on 30 clients each sending a 32 KB head one
                  byte at a time
"""
import os
import socket
import subprocess
import sys
import threading
import time

BIN = sys.argv[1] if len(sys.argv) > 1 else ".build/release"


def start(arguments):
    """Starts a server with `--port 0`; returns (process, port) once it prints its address."""
    process = subprocess.Popen(arguments + ["--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    return process, int(line.strip().rsplit(":", 1)[1])


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LargeOrigin:
    """An origin whose every answer is a large body made on the fly: announced with its length,
    or chunked. It writes until the reader goes away, and serves each connection on a thread."""

    def __init__(self, length, chunked):
        self.length, self.chunked = length, chunked
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            connection, _ = self.listener.accept()
            threading.Thread(target=self.serve, args=(connection,), daemon=True).start()

    def serve(self, connection):
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                piece = connection.recv(4096)
                if not piece:
                    return
                data += piece
            framing = b"Transfer-Encoding: chunked" if self.chunked else b"Content-Length: %d" % self.length
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n" + framing + b"\r\n\r\n")
            piece = b"x" * 65536
            sent = 0
            while sent < self.length:
                connection.sendall(b"10000\r\n" + piece + b"\r\n" if self.chunked else piece)
                sent += len(piece)
            if self.chunked:
                connection.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        finally:
            connection.close()


def request(port, head, read_body=True):
    connection = socket.create_connection(("127.0.0.1", port))
    connection.sendall(head)
    while read_body and connection.recv(1 << 20):
        pass
    connection.close()


def peak_rss_behind_proxy(method, length, chunked, clients, rounds=2):
    """Peak RSS of Step3MinUses --max-size 1m after `rounds` rounds of `clients` concurrent
    requests (the second round is admitted) for a large body from a `LargeOrigin`."""
    origin = LargeOrigin(length, chunked)
    proxy, port = start([f"{BIN}/Step3MinUses", "--upstream", f"http://127.0.0.1:{origin.port}", "--max-size", "1m"])
    head = b"%s /big.jpg HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" % method
    for _ in range(rounds):
        threads = [threading.Thread(target=request, args=(port, head)) for _ in range(clients)]
        for thread in threads: thread.start()
        for thread in threads: thread.join(timeout=300)
    peak = status_kb(proxy.pid, "VmHWM")
    stop(proxy)
    return f"{peak / 1024:.1f} MB"


def head_rss():
    return peak_rss_behind_proxy(b"HEAD", 200 << 20, chunked=False, clients=8)


def chunked_rss():
    return peak_rss_behind_proxy(b"GET", 300 << 20, chunked=True, clients=4)


def keys_rss():
    origin, origin_port = start([f"{BIN}/Step1Origin"])
    proxy, port = start([f"{BIN}/Step3MinUses", "--upstream", f"http://127.0.0.1:{origin_port}", "--keys-zone", "10m"])
    query = "q" * 7000

    def client(first, count):
        connection = socket.create_connection(("127.0.0.1", port))
        for n in range(first, first + count):
            connection.sendall(b"GET /none.jpg?%d%s HTTP/1.1\r\nHost: a\r\n\r\n" % (n, query.encode()))
            data = b""
            while b"\r\n\r\n" not in data or not data.endswith(b"not found\n"):
                data += connection.recv(65536)
        connection.close()

    threads = [threading.Thread(target=client, args=(n * 22500, 22500)) for n in range(4)]
    for thread in threads: thread.start()
    for thread in threads: thread.join()
    rss = status_kb(proxy.pid, "VmRSS")
    stop(proxy)
    stop(origin)
    return f"{rss / 1024:.1f} MB"


def idle_flood():
    origin, port = start([f"{BIN}/Step1Origin"])
    idle = []
    for _ in range(1100):
        connection = socket.create_connection(("127.0.0.1", port))
        idle.append(connection)
    # The first 1,024 get a slot and ask once; they then sit idle with keep-alive.
    for connection in idle[:1024]:
        connection.sendall(b"GET /1.jpg HTTP/1.1\r\nHost: a\r\n\r\n")
    for connection in idle[:1024]:
        data = b""
        while len(data) < 5465:
            data += connection.recv(65536)
    time.sleep(0.5)
    start_time = time.monotonic()
    newcomer = socket.create_connection(("127.0.0.1", port))
    newcomer.settimeout(120)
    newcomer.sendall(b"GET /1.jpg HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    try:
        answered = newcomer.recv(100).startswith(b"HTTP/1.1 200")
    except socket.timeout:
        answered = False
    elapsed = time.monotonic() - start_time
    for connection in idle:
        connection.close()
    stop(origin)
    return f"{elapsed * 1000:.0f} ms" if answered else f"no answer within {elapsed:.0f} s"


def slow_head_cpu():
    origin, port = start([f"{BIN}/Step1Origin"])
    head = b"GET /1.jpg HTTP/1.1\r\nHost: a\r\n" + b"".join(b"X-Filler-%d: %s\r\n" % (n, b"f" * 4000) for n in range(8)) + b"\r\n"

    def client():
        connection = socket.create_connection(("127.0.0.1", port))
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            for n in range(len(head)):
                connection.send(head[n:n + 1])
            connection.recv(100)
        except OSError:
            pass
        connection.close()

    before = cpu_seconds(origin.pid)
    threads = [threading.Thread(target=client) for _ in range(30)]
    for thread in threads: thread.start()
    for thread in threads: thread.join()
    used = cpu_seconds(origin.pid) - before
    stop(origin)
    return f"{used:.2f} CPU-s"


if __name__ == "__main__":
    for name, measure in [("head-rss", head_rss), ("chunked-rss", chunked_rss), ("keys-rss", keys_rss),
                          ("idle-flood", idle_flood), ("slow-head-cpu", slow_head_cpu)]:
        print(f"{name:14} {measure()}", flush=True)
