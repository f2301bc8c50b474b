#!/usr/bin/env bash
# scrape-cost.sh - CPU time one scrape of /metrics costs a gt pair (server and client runner
# processes of API=1 bench/gt-pair.sh, nginx behind them), from the processes' own CPU counters:
# WINDOW seconds unscraped, then WINDOW seconds scraped RATE times a second (bench/scrape.sh),
# alternating ROUNDS times; the extra CPU divided by the scrapes. With LOAD=1 a wrk -t1 -c20 runs
# through the tunnel all along (its open streams are in every snapshot), and the requests served
# in each window are printed too. Needs ../shared/bench/relay-bench.sh (nginx) and wrk.
#   bench/scrape-cost.sh [WINDOW=20] [RATE=50] [ROUNDS=3]
set -euo pipefail
WINDOW=${1:-20} RATE=${2:-50} ROUNDS=${3:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH_DIR:-$here/../shared/bench}
PUBLIC=${PUBLIC:-18090} ORIGIN=${ORIGIN:-18080}
tmp=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
bash "$bench/relay-bench.sh" nginx --port "$ORIGIN" >"$tmp/nginx.log" 2>&1 & pids+=($!)
API=1 bash "$here/bench/gt-pair.sh" "$PUBLIC" "$ORIGIN" >"$tmp/pair.log" 2>&1 & pair=$!; pids+=($pair)
for _ in $(seq 150); do
  curl -s -o /dev/null "http://127.0.0.1:$PUBLIC/short" && curl -s -o /dev/null "http://127.0.0.1:$((PUBLIC + 4))/metrics" && break
  sleep 0.2
done
javas=$(pgrep -P "$pair" java | tr '\n' ' ')
hz=$(getconf CLK_TCK)
cpu() { local t=0; for p in $javas; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
wrk -t1 -c20 -d10s "http://127.0.0.1:$PUBLIC/short" >/dev/null   # JIT warm-up
if [ "${LOAD:-0}" = 1 ]; then
  wrk -t1 -c20 -d$((ROUNDS * WINDOW * 2 + 30))s "http://127.0.0.1:$PUBLIC/short" >"$tmp/wrk.txt" & pids+=($!)
fi
bash "$here/bench/scrape.sh" "$PUBLIC" "$RATE" 2>/dev/null & warm=$!; sleep 5; kill $warm; wait $warm 2>/dev/null || true
for r in $(seq "$ROUNDS"); do
  c0=$(cpu); sleep "$WINDOW"; c1=$(cpu)
  bash "$here/bench/scrape.sh" "$PUBLIC" "$RATE" 2>"$tmp/scrape.$r" & s=$!
  c2=$(cpu); sleep "$WINDOW"; c3=$(cpu); kill $s; wait $s 2>/dev/null || true
  n=$(grep -o '[0-9]* of' "$tmp/scrape.$r" | grep -o '[0-9]*')
  awk -v hz="$hz" -v w="$WINDOW" -v a=$((c1 - c0)) -v b=$((c3 - c2)) -v n="$n" -v r="$r" 'BEGIN {
    printf "SCRAPE-COST round=%d unscraped_cpu_ms_per_s=%.1f scraped_cpu_ms_per_s=%.1f scrapes=%d cpu_ms_per_scrape=%.3f\n",
      r, 1000 * a / hz / w, 1000 * b / hz / w, n, (n > 0 ? 1000 * (b - a) / hz / n : 0) }'
done
