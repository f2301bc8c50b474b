#!/usr/bin/env bash
# per-connection.sh [RUNS] : relay CPU per visitor connection, a connection per request (wrk -H
# 'Connection: close', -t2 -c100 /short), a GT pair (bench/gt-pair.sh, MODE=tcp: the TCP-port
# route, the runner's defaults) and two chained HAProxy (../shared/bench/haproxy2.sh) alternating,
# each started fresh, warmed 10 s, measured 10 s. Every request opens a stream through the tunnel,
# so this measures the open and close path, which the keep-alive bench (compare.sh) pays only once
# per wrk connection. Prints one line per run and the medians. JAR as for gt-pair.sh. Needs nginx,
# wrk, curl, haproxy. Nothing else should run: the CPU of the relay's processes is read from /proc.
set -euo pipefail
RUNS=${1:-3}
here=$(cd "$(dirname "$0")" && pwd)
shared=$(cd "$here/../../shared/bench" && pwd)
d=$(mktemp -d)
cat > "$d/nginx.conf" <<NG
worker_processes 1; daemon off; pid $d/nginx.pid; error_log $d/err.log;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:22080; location /short { return 200 "0123456789"; } } }
NG
nginx -c "$d/nginx.conf" & NG=$!
relay=
stop_relay() { [ -n "$relay" ] && kill -- -"$relay" 2>/dev/null; relay=; sleep 1; }
trap 'stop_relay; kill $NG 2>/dev/null; rm -rf "$d"' EXIT INT TERM
ticks() { # CPU ticks of every process in session $1 (java, haproxy, bash: names without spaces)
  local s=0
  for st in /proc/[0-9]*/stat; do
    read -r -a f < "$st" 2>/dev/null || continue
    # f[5] is the session id, f[13] and f[14] user and system time
    [ "${f[5]}" = "$1" ] && s=$((s + f[13] + f[14]))
  done
  echo $s
}
run() { # run LABEL PORT CMD...
  local label=$1 port=$2; shift 2
  setsid "$@" > "$d/$label.log" 2>&1 & relay=$!
  for i in $(seq 120); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/short" && break; sleep 0.5; done
  wrk -t2 -c100 -d10s -H 'Connection: close' "http://127.0.0.1:$port/short" > /dev/null
  local a b out n
  a=$(ticks "$relay")
  out=$(wrk -t2 -c100 -d10s -H 'Connection: close' "http://127.0.0.1:$port/short")
  b=$(ticks "$relay")
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "RESULT label=$label connections=$n conn_per_s=$(echo "$out" | awk '/Requests\/sec/ {print $2}') relay_us_per_conn=$(echo "scale=1; ($b - $a) * 1000000 / $(getconf CLK_TCK) / $n" | bc) latency=$(echo "$out" | awk '/Latency/ {print $2 "/" $4}')"
  stop_relay
}
for ((r = 1; r <= RUNS; r++)); do
  run gt 22091 env MODE=tcp bash "$here/gt-pair.sh" 22090 22080
  run haproxy2 22083 bash "$shared/haproxy2.sh" 22083 22084 22080
done | tee "$d/out"
python3 - "$d/out" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kv = dict(re.findall(r'(\w+)=(\S+)', line))
    rows.setdefault(kv['label'], []).append(float(kv['relay_us_per_conn']))
g, h = statistics.median(rows['gt']), statistics.median(rows['haproxy2'])
print(f"MEDIAN relay CPU per connection: gt {g:.1f} us, haproxy2 {h:.1f} us, ratio {g / h:.2f}")
PY
