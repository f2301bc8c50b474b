#!/usr/bin/env python3
"""open-burst.py PORT [N] [ROUNDS]: opens N connections (default 100) to 127.0.0.1:PORT at once,
sends one GET /short on each and reports, per round, how long the answers took: the cost of
opening streams, which a wrk run pays once at its start. Run it against a fresh gt-pair.sh
(MODE=tcp: the TCP-port route on PUBLIC+1) and against haproxy2.sh to compare; the first rounds
after a start show the JIT compiling the open path."""
import selectors
import socket
import sys
import time


def burst(port, n):
    sel = selectors.DefaultSelector()
    req = b"GET /short HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    t0 = time.perf_counter()
    socks, connect_ms, answer_ms = [], [], []
    for i in range(n):
        tc = time.perf_counter()
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        connect_ms.append((time.perf_counter() - tc) * 1000)
        s.setblocking(False)
        s.send(req)
        socks.append(s)
        sel.register(s, selectors.EVENT_READ, time.perf_counter())
    deadline = time.perf_counter() + 30
    while len(answer_ms) < n and time.perf_counter() < deadline:
        for key, _ in sel.select(1):
            key.fileobj.recv(4096)
            answer_ms.append((time.perf_counter() - key.data) * 1000)
            sel.unregister(key.fileobj)
    total = (time.perf_counter() - t0) * 1000
    for s in socks:
        s.close()
    if len(answer_ms) < n:
        return f"{n - len(answer_ms)} of {n} connections got no answer within 30 s"
    connect_ms.sort()
    answer_ms.sort()
    return (f"{n} opens: all answered after {total:.1f} ms; answer p50 {answer_ms[n // 2]:.2f} "
            f"p90 {answer_ms[int(n * 0.9)]:.2f} max {answer_ms[-1]:.2f} ms; connect max {connect_ms[-1]:.2f} ms")


def main():
    port = int(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    for r in range(1, rounds + 1):
        print(f"round {r}: {burst(port, n)}", flush=True)


if __name__ == "__main__":
    main()
