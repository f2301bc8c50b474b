#!/usr/bin/env bash
# idle-footprint.sh - memory and file descriptors of idle visitors and idle tunnels, with the
# runner's default flags and the default JVM (what users get).
#   1. a server and a client (`gt.jar`), the client forwarding the server's TCP port PUBLIC+1 to a
#      holding origin on ORIGIN; baseline figures;
#   2. VISITORS idle visitors (connect, send nothing) through that port: each one is a visitor
#      socket and a stream on the server, a stream and a local socket on the client;
#   3. those closed, CLIENTS more clients with 10 tunnels each: server figures per idle tunnel.
# Heap is what is live after a full GC (jcmd GC.run, then GC.heap_info "used"); RSS from
# /proc/PID/status. -timeout is raised to 10m so that idle visitors are not closed mid-measure.
#   bash bench/idle-footprint.sh [VISITORS=10000] [CLIENTS=10]
set -euo pipefail
VISITORS=${1:-10000} CLIENTS=${2:-10}
PUBLIC=${PUBLIC:-28190} ORIGIN=${ORIGIN:-28180}
here=$(cd "$(dirname "$0")/.." && pwd)
jar=${JAR:-"$here/gt-examples/target/gt.jar"}
[ -f "$jar" ] || { echo "idle-footprint: $jar not found (mvn -B -q -DskipTests package)" >&2; exit 2; }
# The visitors, the origin, the server and the client each hold VISITORS sockets, and a bit more.
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((VISITORS + 1000)) ] \
  || { echo "idle-footprint: ulimit -Hn is $(ulimit -Hn), $((VISITORS + 1000)) needed" >&2; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

# Holds every connection it accepts (the origin), or opens N and holds them (the visitors).
cat >"$work/hold.py" <<'EOF'
import asyncio, sys
held = []
async def origin(port):
    async def serve(r, w):
        held.append(w)
        await r.read()   # until the peer closes
        w.close()
    server = await asyncio.start_server(serve, '127.0.0.1', port, backlog=4096)
    print('ready', flush=True)
    await server.serve_forever()
async def visitors(port, n):
    for i in range(n):
        r, w = await asyncio.open_connection('127.0.0.1', port)
        held.append(w)
    print('ready', flush=True)
    await asyncio.get_running_loop().create_future()
mode, port = sys.argv[1], int(sys.argv[2])
asyncio.run(origin(port) if mode == 'origin' else visitors(port, int(sys.argv[3])))
EOF

wait_line() { # FILE TEXT: until FILE has a line containing TEXT (60 s)
  for _ in $(seq 600); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "idle-footprint: no '$2' in $1" >&2; cat "$1" >&2; exit 1
}
heap_kib() { jcmd "$1" GC.run >/dev/null; jcmd "$1" GC.heap_info | awk '/used/ {for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub("K", "", v); print v; exit } }'; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
figures() { # LABEL: a line of figures for the server and the first client
  printf '%-22s server heap %7d KiB  rss %7d KiB  fds %6d | client heap %7d KiB  rss %7d KiB  fds %6d\n' "$1" \
    "$(heap_kib "$server")" "$(rss_kib "$server")" "$(fds "$server")" \
    "$(heap_kib "$client")" "$(rss_kib "$client")" "$(fds "$client")"
}

python3 "$work/hold.py" origin "$ORIGIN" >"$work/origin.log" 2>&1 & pids+=($!)
wait_line "$work/origin.log" ready
java -jar "$jar" server -addr "127.0.0.1:$PUBLIC" -tcpRange "$((PUBLIC + 1))" -timeout 10m \
  >"$work/server.log" 2>&1 & server=$!; pids+=($server)
wait_line "$work/server.log" "listening"
java -jar "$jar" client -remote "tcp://127.0.0.1:$PUBLIC" -id idle -secret idle-secret -remoteTimeout 10m \
  -local "tcp://127.0.0.1:$ORIGIN" -remoteTCPPort "$((PUBLIC + 1))" >"$work/client.log" 2>&1 & client=$!; pids+=($client)
wait_line "$work/client.log" "connected"
sleep 2   # let start-up settle (class loading, JIT) before the baseline
base=$(figures "baseline")
echo "$base"

python3 "$work/hold.py" visitors "$((PUBLIC + 1))" "$VISITORS" >"$work/visitors.log" 2>&1 & vis=$!; pids+=($vis)
wait_line "$work/visitors.log" ready
# Every visitor has a stream and a local socket once the origin holds VISITORS connections.
for _ in $(seq 600); do
  [ "$(ls /proc/"${pids[0]}"/fd | wc -l)" -ge "$VISITORS" ] && break; sleep 0.1
done
loaded=$(figures "$VISITORS idle visitors")
echo "$loaded"
kill "$vis"; wait "$vis" 2>/dev/null || true

# Idle tunnels: CLIENTS more clients with 10 tunnels each (allow-any mode: any id logs in).
for _ in $(seq 600); do [ "$(fds "$server")" -lt $((VISITORS / 10 + 200)) ] && break; sleep 0.1; done
after=$(figures "visitors gone")
echo "$after"
for i in $(seq "$CLIENTS"); do
  java -jar "$jar" client -remote "tcp://127.0.0.1:$PUBLIC" -id "idle$i" -secret "idle-secret-$i" \
    -remoteConnections 10 -remoteIdleConnections 10 -local "http://127.0.0.1:$ORIGIN" -hostPrefix "idle$i" \
    >"$work/client$i.log" 2>&1 & pids+=($!)
done
tunnels=$((CLIENTS * 10))
for _ in $(seq 1200); do
  [ "$(ss -Htn state established "( sport = :$PUBLIC )" | wc -l)" -ge $((tunnels + 1)) ] && break; sleep 0.1
done
echo "tunnels to the server: $(ss -Htn state established "( sport = :$PUBLIC )" | wc -l)"
withtunnels=$(figures "+$tunnels idle tunnels")
echo "$withtunnels"

field() { awk -v k="$2" '{ for (i = 1; i <= NF; i++) if ($i == k) { n++; if (n == '"$3"') { print $(i + 1); exit } } }' <<<"$1"; }
per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.2f", (b - a) * 1024 / n / 1024 }'; }
echo
echo "per idle visitor (server): heap $(per "$(field "$base" heap 1)" "$(field "$loaded" heap 1)" "$VISITORS") KiB," \
  "rss $(per "$(field "$base" rss 1)" "$(field "$loaded" rss 1)" "$VISITORS") KiB," \
  "fds $(per "$(field "$base" fds 1)" "$(field "$loaded" fds 1)" "$VISITORS")"
echo "per idle visitor (client): heap $(per "$(field "$base" heap 2)" "$(field "$loaded" heap 2)" "$VISITORS") KiB," \
  "rss $(per "$(field "$base" rss 2)" "$(field "$loaded" rss 2)" "$VISITORS") KiB," \
  "fds $(per "$(field "$base" fds 2)" "$(field "$loaded" fds 2)" "$VISITORS")"
echo "per idle tunnel (server):  heap $(per "$(field "$after" heap 1)" "$(field "$withtunnels" heap 1)" "$tunnels") KiB," \
  "rss $(per "$(field "$after" rss 1)" "$(field "$withtunnels" rss 1)" "$tunnels") KiB," \
  "fds $(per "$(field "$after" fds 1)" "$(field "$withtunnels" fds 1)" "$tunnels")"
