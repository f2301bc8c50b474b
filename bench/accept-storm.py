#!/usr/bin/env python3
"""accept-storm.py - a gt server out of file descriptors: what it logs, what CPU it burns, whether
it recovers.

Starts `java -jar JAR server` under `ulimit -n FDS`, opens VISITORS silent connections to its
-addr (the kernel completes their handshakes into the backlog whether or not the server can
accept them), holds them HOLD seconds, then closes them and times how long until an HTTP request
gets an answer again, and how long SIGTERM takes. Prints one line of figures per run:

  python3 bench/accept-storm.py gt-examples/target/gt.jar            # default transport
  python3 bench/accept-storm.py JAR --transport epoll --visitors 300 --hold 3

"log lines" counts every line the server wrote during the storm; "cannot accept" the lines of
GT's AcceptGuard; "stack frames" the lines starting with whitespace + "at "; "CPU" is utime+stime
of the server process during the storm, from /proc/PID/stat.
"""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(port, timeout=2.0):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(b"GET / HTTP/1.1\r\nHost: nobody.example.com\r\nConnection: close\r\n\r\n")
            data = s.recv(64)
            m = re.match(rb"HTTP/1\.1 (\d{3})", data)
            return int(m.group(1)) if m else None
    except OSError:
        return None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("jar")
    p.add_argument("--transport", default=None, help="io_uring, epoll or nio (-Dgt.transport); default: gt's choice")
    p.add_argument("--fds", type=int, default=200)
    p.add_argument("--visitors", type=int, default=300)
    p.add_argument("--hold", type=float, default=3.0)
    a = p.parse_args()

    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="accept-storm-", suffix=".log", delete=False)
    jvm = ["-Xmx128m"] + ([f"-Dgt.ioEngine={a.transport}"] if a.transport else [])
    cmd = ["bash", "-c", f"ulimit -n {a.fds} && exec \"$@\"", "bash", "java", *jvm, "-jar", a.jar, "server",
           "-addr", f"127.0.0.1:{port}", "-id", "id1", "-secret", "secret1"]
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while b"GT server listening on" not in open(log.name, "rb").read():
            if time.time() > deadline or server.poll() is not None:
                sys.exit("the server did not start: " + open(log.name).read())
            time.sleep(0.1)
        before = len(open(log.name, "rb").read().splitlines())
        cpu0 = cpu_seconds(server.pid)
        visitors = []
        for _ in range(a.visitors):
            s = socket.socket()
            s.settimeout(5)
            s.connect(("127.0.0.1", port))
            visitors.append(s)
        time.sleep(a.hold)
        cpu = cpu_seconds(server.pid) - cpu0
        lines = open(log.name, "rb").read().decode("utf-8", "replace").splitlines()[before:]
        cannot = sum(1 for l in lines if "cannot accept connections" in l)
        frames = sum(1 for l in lines if re.match(r"\s+at ", l))
        counts = [int(m.group(1)) for l in lines for m in [re.search(r"\((\d+) failures in the last second\)", l)] if m]
        for s in visitors:
            s.close()
        t0 = time.time()
        recovered = None
        while time.time() - t0 < 30:
            if http_status(port) is not None:
                recovered = time.time() - t0
                break
            time.sleep(0.1)
        t1 = time.time()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
            stop = f"{time.time() - t1:.1f} s"
        except subprocess.TimeoutExpired:
            stop = "> 60 s"
        print(f"jar {a.jar} transport {a.transport or 'default'}: {a.visitors} visitors, ulimit -n {a.fds}, "
              f"{a.hold:.0f} s held: log lines {len(lines)} ({sum(len(l) + 1 for l in lines)} bytes), "
              f"'cannot accept' {cannot}, stack frames {frames}, most failures/s reported "
              f"{max(counts) if counts else '-'}, server CPU {cpu:.2f} s; answers again after "
              f"{'%.1f s' % recovered if recovered is not None else 'no answer within 30 s'}; SIGTERM took {stop}; "
              f"log {log.name}")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


if __name__ == "__main__":
    main()
