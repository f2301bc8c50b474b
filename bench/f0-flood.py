#!/usr/bin/env python3
"""f0-flood.py - what unauthenticated half-hellos cost a gt server, and whether it keeps serving.

Starts `java -Xmx128m -jar JAR server` and `gt client` (a local HTTP service behind it), then
opens CONNECTIONS connections to -addr that each send F0 10, a hello length of CLAIM bytes and the
first BODY bytes of that hello, and then stall. Samples the server's VmRSS and open descriptors
(/proc/PID) before, 5 s and 15 s into the flood, probes HTTP through the healthy tunnel each
time, and counts how many of the stalled connections the server still holds after 15 s.

  python3 bench/f0-flood.py gt-examples/target/gt.jar --claim 65536
  python3 bench/f0-flood.py OLD.jar --claim 1048576      # 89f1129 accepted hellos up to 1 MiB

The load generator raises its own descriptor limit; the server inherits the shell's (ulimit -n).
"""
import argparse
import http.server
import os
import re
import resource
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time


def proc(pid):
    with open(f"/proc/{pid}/status") as f:
        rss = int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))
    return rss // 1024, len(os.listdir(f"/proc/{pid}/fd"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(path, text, proc_, seconds=60):
    deadline = time.time() + seconds
    while text not in open(path, "rb").read():
        if time.time() > deadline or proc_.poll() is not None:
            sys.exit(f"no '{text.decode()}' in {path}:\n" + open(path).read())
        time.sleep(0.1)


def probe(port):
    """Status and milliseconds of a GET through the tunnel, or the error."""
    t0 = time.time()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.settimeout(10)
            s.sendall(b"GET /probe HTTP/1.1\r\nHost: id1.example.com\r\nConnection: close\r\n\r\n")
            data = s.recv(64)
        m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
        return f"{m.group(1).decode() if m else repr(data[:20])} in {(time.time() - t0) * 1000:.0f} ms"
    except OSError as e:
        return f"failed after {(time.time() - t0) * 1000:.0f} ms: {e}"


def still_open(sockets):
    """How many of the sockets the server has not closed (no EOF, no reset, no answer pending)."""
    n = 0
    for s in sockets:
        try:
            s.setblocking(False)
            data = s.recv(1)
            if data:
                n += 1  # an answer (ERROR frame) not followed by a close yet
        except BlockingIOError:
            n += 1
        except OSError:
            pass
    return n


class Web(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("jar")
    p.add_argument("--connections", type=int, default=3000)
    p.add_argument("--claim", type=int, default=65536, help="hello length announced (bytes)")
    p.add_argument("--body", type=int, default=16384, help="hello bytes actually sent after the header")
    a = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, a.connections + 1000)), hard))

    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Web)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    port = free_port()
    out = tempfile.mkdtemp(prefix="f0-flood-")
    slog, clog = os.path.join(out, "server.log"), os.path.join(out, "client.log")
    server = subprocess.Popen(["java", "-Xmx128m", "-jar", a.jar, "server", "-addr", f"127.0.0.1:{port}", "-id", "id1",
                               "-secret", "secret1"], stdout=open(slog, "wb"), stderr=subprocess.STDOUT)
    client = None
    flood = []
    try:
        wait_for(slog, b"GT server listening on", server)
        client = subprocess.Popen(["java", "-Xmx128m", "-jar", a.jar, "client", "-local",
                                   f"http://127.0.0.1:{web.server_address[1]}", "-remote", f"tcp://127.0.0.1:{port}",
                                   "-id", "id1", "-secret", "secret1"], stdout=open(clog, "wb"), stderr=subprocess.STDOUT)
        wait_for(clog, b"services registered", client)
        rss, fds = proc(server.pid)
        print(f"{a.jar}: before: RSS {rss} MiB, {fds} fds; HTTP {probe(port)}")

        half = b"\xf0\x10" + struct.pack(">I", a.claim) + bytes([7]) + b"flooder" + b"\x00" * (a.body - 8)
        t0 = time.time()
        for _ in range(a.connections):
            s = socket.socket()
            s.settimeout(5)
            try:
                s.connect(("127.0.0.1", port))
                s.sendall(half)
            except OSError as e:
                print(f"connection {len(flood)} failed: {e}")
                s.close()
                break
            flood.append(s)
        print(f"  {len(flood)} connections x ({len(half)} of {a.claim + 6} hello bytes) sent in "
              f"{time.time() - t0:.1f} s")
        for mark in (5, 15):
            time.sleep(max(0, t0 + mark - time.time()))
            rss, fds = proc(server.pid)
            print(f"  +{mark:>2} s: RSS {rss} MiB, {fds} fds, {still_open(flood)} of {len(flood)} flood connections "
                  f"open; HTTP {probe(port)}; server alive: {server.poll() is None}")
        errors = [l for l in open(slog, errors="replace") if "OutOfMemory" in l or "ERROR" in l]
        print(f"  server log: {sum(1 for _ in open(slog, errors='replace'))} lines, {len(errors)} ERROR/OOM lines; "
              f"logs in {out}")
    finally:
        for s in flood:
            s.close()
        for pr in (client, server):
            if pr is not None and pr.poll() is None:
                pr.terminate()
                try:
                    pr.wait(30)
                except subprocess.TimeoutExpired:
                    pr.kill()
        web.shutdown()


if __name__ == "__main__":
    main()
