#!/usr/bin/env bash
# scrape.sh - what Prometheus does to a gt pair started with API=1 bench/gt-pair.sh: GET /metrics
# of the server (PUBLIC+3) and of the client (PUBLIC+4) RATE times a second (default 1, as a
# Prometheus scraping every second), over kept-alive connections, until killed. A higher RATE
# magnifies the scrapes' cost above the machine's noise (bench/metrics-overhead.sh).
#   bench/scrape.sh [PUBLIC=18090] [RATE=1]
PUBLIC=${1:-18090} RATE=${2:-1}
exec python3 - "$PUBLIC" "$RATE" <<'PY'
import http.client, signal, sys, time
public, rate = int(sys.argv[1]), float(sys.argv[2])
conns = {}
def get(port):
    for _ in range(2):
        c = conns.get(port) or http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conns[port] = c
        try:
            c.request("GET", "/metrics")
            r = c.getresponse()
            r.read()
            return r.status
        except (OSError, http.client.HTTPException):
            c.close()
            conns.pop(port, None)
    return None
n = ok = 0
def report(*_):
    print(f"scrape.sh: {ok} of {n} scrapes answered 200", file=sys.stderr, flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, report)
signal.signal(signal.SIGINT, report)
start = time.monotonic()
while True:
    for port in (public + 3, public + 4):
        n += 1
        ok += get(port) == 200
    start = max(start + 1 / rate, time.monotonic() - 1)
    time.sleep(max(0.0, start - time.monotonic()))
PY
