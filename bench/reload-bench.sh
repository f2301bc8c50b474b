#!/usr/bin/env bash
# reload-bench.sh - wrk through one tunnel while the server is reloaded again and again with users
# added and removed (GT 2.x's claim: a reload under load gives 0 errors).
#
# Starts nginx (../shared/bench/relay-bench.sh nginx), a gt server from a config file with the
# users bench, a, b, a gt client `bench` forwarding nginx (the unaffected tunnel) and clients a
# and b, then runs wrk for DURATION against the bench route while a loop rewrites the config file
# every INTERVAL seconds (removing one of a/b and adding c or the other way round) and runs
# `gt -s reload -c FILE`. Prints wrk's report, the number of reloads and what they changed.
#   bench/reload-bench.sh [DURATION=30s] [INTERVAL=2]
set -euo pipefail
DURATION=${1:-30s} INTERVAL=${2:-2}
here=$(cd "$(dirname "$0")/.." && pwd)
jar="$here/gt-examples/target/gt.jar"
bench=${BENCH_DIR:-$here/../shared/bench}
[ -f "$jar" ] || { echo "reload-bench: $jar not found (mvn -B -q -DskipTests package)" >&2; exit 2; }
PUBLIC=${PUBLIC:-18190} ORIGIN=${ORIGIN:-18180}
tmp=$(mktemp -d)
export GT_RUNTIME="$tmp/run"
JAVA=(java -Xms256m -Xmx256m -XX:+UseParallelGC "-Dgt.runtimeDir=$GT_RUNTIME" -jar "$jar")
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

bash "$bench/relay-bench.sh" nginx --port "$ORIGIN" >"$tmp/nginx.log" 2>&1 & pids+=($!)
config="$tmp/server.yaml"
write() { # users after bench
  { echo "users:"; echo "  bench: {secret: bench-secret}"; for u in "$@"; do echo "  $u: {secret: $u-secret}"; done
    echo "options:"; echo "  addr: 127.0.0.1:$PUBLIC"; echo "  workerThreads: 1"; echo "  logLevel: info"
    # The removed user's client keeps knocking (refused) until it is added back: no ban for that.
    echo "  reconnectTimes: 1000000"; } >"$config"
}
write a b
"${JAVA[@]}" server -config "$config" >"$tmp/server.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do grep -q "GT server listening" "$tmp/server.log" && break; sleep 0.2; done
"${JAVA[@]}" client -remote "tcp://127.0.0.1:$PUBLIC" -id bench -secret bench-secret \
  -local "http://127.0.0.1:$ORIGIN" -hostPrefix 127 -remoteConnections 3 -workerThreads 1 >"$tmp/bench.log" 2>&1 & pids+=($!)
for u in a b c; do
  "${JAVA[@]}" client -remote "tcp://127.0.0.1:$PUBLIC" -id $u -secret $u-secret -local "http://127.0.0.1:$ORIGIN" \
    -reconnectDelay 1s -workerThreads 1 >"$tmp/$u.log" 2>&1 & pids+=($!)
done
for _ in $(seq 150); do curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PUBLIC/short" | grep -q 200 && break; sleep 0.2; done
wrk -t2 -c100 -d10s "http://127.0.0.1:$PUBLIC/short" >/dev/null   # JIT warm-up, not measured

reloads=0
(
  flip=0
  while :; do
    sleep "$INTERVAL"
    if [ $flip = 0 ]; then write a c; flip=1; else write a b; flip=0; fi
    "${JAVA[@]}" -s reload -c "$config" >>"$tmp/reloads.log" 2>&1 || echo "RELOAD FAILED" >>"$tmp/reloads.log"
  done
) & loop=$!
wrk -t2 -c100 -d"$DURATION" --latency "http://127.0.0.1:$PUBLIC/short" | tee "$tmp/wrk.txt"
kill $loop 2>/dev/null || true; wait $loop 2>/dev/null || true
reloads=$(grep -c "ok: " "$tmp/reloads.log" || true)
failed=$(grep -c "RELOAD FAILED" "$tmp/reloads.log" || true)
echo "reloads: $reloads ok, $failed failed; what they changed (first 4):"
grep "ok: " "$tmp/reloads.log" | head -4
echo "bench client tunnel drops: $(grep -c 'closed\|dropped' "$tmp/bench.log" || true)"
echo "clients let go by the reloads: $(grep -c 'let go \[' "$tmp/reloads.log" || true)"
non2xx=$(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$tmp/wrk.txt" | grep -o '[0-9]*$' || echo 0)
sockerr=$(grep -o 'Socket errors:.*' "$tmp/wrk.txt" || echo "Socket errors: none")
echo "RELOAD-RESULT duration=$DURATION reloads=$reloads non2xx=$non2xx $sockerr"
