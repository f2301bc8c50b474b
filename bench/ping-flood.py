#!/usr/bin/env python3
"""ping-flood.py - a logged-in client that sends PINGs and never reads: the gt server's memory.

Starts `java -Xmx512m -jar JAR server -timeout TIMEOUT` (user id1/secret1), logs in as id1 with a
hand-made hello (one http service) on a socket with a small receive buffer, then writes PING frames
for SECONDS without ever reading the PONGs. Prints the server's VmRSS every 2 s, how many bytes of
PINGs the server took, and when (if) it closed the connection.

  python3 bench/ping-flood.py gt-examples/target/gt.jar
  python3 bench/ping-flood.py OLD.jar --seconds 20 --timeout 90s
"""
import argparse
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1)) // 1024


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hello(ident, secret):
    """F0 10, length, id, secret, window 256 KiB, one http service with the id as its prefix."""
    body = bytes([len(ident)]) + ident + bytes([len(secret)]) + secret + struct.pack(">IH", 256 * 1024, 1)
    body += struct.pack(">BBHB", 0, 0, 0, 0)
    return b"\xf0\x10" + struct.pack(">I", len(body)) + body


def read_frame(s):
    head = recv_exactly(s, 10)
    ftype, _, _, length = struct.unpack(">BBII", head)
    return ftype, recv_exactly(s, length)


def recv_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError(f"closed after {len(data)} of {n} bytes")
        data += chunk
    return data


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("jar")
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--timeout", default="90s", help="the server's -timeout")
    a = p.parse_args()
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="ping-flood-", suffix=".log", delete=False)
    server = subprocess.Popen(["java", "-Xmx512m", "-jar", a.jar, "server", "-addr", f"127.0.0.1:{port}", "-id", "id1",
                               "-secret", "secret1", "-timeout", a.timeout], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while b"GT server listening on" not in open(log.name, "rb").read():
            if time.time() > deadline or server.poll() is not None:
                sys.exit("the server did not start: " + open(log.name).read())
            time.sleep(0.1)
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", port))
        s.settimeout(10)
        s.sendall(hello(b"id1", b"secret1"))
        assert recv_exactly(s, 2) == b"\xf0\x10"
        while True:
            ftype, payload = read_frame(s)
            if ftype == 8:  # READY
                break
            if ftype != 9:  # SERVICE
                sys.exit(f"refused: frame {ftype} {payload!r}")
        s.settimeout(5)
        ping = b"".join(struct.pack(">BBII", 5, 0, 0, 8) + struct.pack(">Q", i) for i in range(1000))
        start = time.time()
        rss0 = rss_mib(server.pid)
        print(f"{a.jar} (-timeout {a.timeout}): RSS {rss0} MiB after login")
        sent, closed, next_sample = 0, None, start + 2
        while time.time() - start < a.seconds:
            try:
                s.sendall(ping)
                sent += len(ping)
            except socket.timeout:
                closed = f"the server stopped reading after {time.time() - start:.1f} s"
                break
            except OSError as e:
                closed = f"the server closed the connection after {time.time() - start:.1f} s ({e})"
                break
            if time.time() >= next_sample:
                print(f"  +{time.time() - start:4.1f} s: RSS {rss_mib(server.pid)} MiB, {sent / 1e6:.0f} MB of PINGs sent")
                next_sample += 2
        print(f"  end: RSS {rss_mib(server.pid)} MiB (+{rss_mib(server.pid) - rss0} MiB), {sent / 1e6:.0f} MB of PINGs; "
              f"{closed or 'connection still open after %.0f s' % a.seconds}; server alive: {server.poll() is None}; "
              f"log {log.name}")
        s.close()
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()
