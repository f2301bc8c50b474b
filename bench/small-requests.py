#!/usr/bin/env python3
"""small-requests.py HOST PORT HOSTNAME SECONDS - GET /short again and again for SECONDS, one new
connection per request (a new visitor stream each time), and print
"n=N err=E p50=MS p99=MS max=MS" (milliseconds). For bench/quic-eval.sh, which runs it while a
bulk download goes through the same tunnel. A request counts as an error unless it answers 200
with the 10-byte body of relay-bench's /short.
"""
import http.client
import sys
import time


def main():
    host, port, name, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    lat, err = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.monotonic()
        try:
            c = http.client.HTTPConnection(host, port, timeout=10)
            c.request("GET", "/short", headers={"Host": name})
            r = c.getresponse()
            body = r.read()
            c.close()
            if r.status == 200 and body == b"hello bnch":
                lat.append((time.monotonic() - start) * 1000)
            else:
                err += 1
                sys.stderr.write("small-requests: answer %d, %d bytes after %.0f ms\n"
                                 % (r.status, len(body), (time.monotonic() - start) * 1000))
        except (OSError, http.client.HTTPException) as e:
            err += 1
            sys.stderr.write("small-requests: %r after %.0f ms\n" % (e, (time.monotonic() - start) * 1000))
    lat.sort()

    def pct(p):
        return "%.1f" % lat[min(len(lat) - 1, int(len(lat) * p))] if lat else "-"

    print("n=%d err=%d p50=%s p99=%s max=%s" % (len(lat), err, pct(0.50), pct(0.99), pct(1.0)))


if __name__ == "__main__":
    main()
