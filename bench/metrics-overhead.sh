#!/usr/bin/env bash
# metrics-overhead.sh - relay CPU per request of a gt pair without the status API (plain), with it
# scraped once a second as by Prometheus (scraped1: bench/scrape.sh, GET /metrics of server and
# client), and scraped HIGH times a second (scrapedHIGH: the same cost magnified above the noise of
# a shared machine), alternating ROUNDS times so that the machine's drift hits all alike. Prints
# relay-bench's RESULT/MEDIAN/NOISY lines and the scraper's count. The meters are fed in every
# variant (the runner always wires them); what differs is -apiAddr on both ends and the scraping.
#   bench/metrics-overhead.sh [ROUNDS=2] [RUNS=3] [HIGH=50]
set -euo pipefail
ROUNDS=${1:-2} RUNS=${2:-3} HIGH=${3:-50}
here=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH_DIR:-$here/../shared/bench}
PUBLIC=${PUBLIC:-18090} ORIGIN=${ORIGIN:-18080}
common=(relay --url "http://127.0.0.1:$PUBLIC/short" --port "$ORIGIN" --runs "$RUNS" --warmup 30s --relay-wait 90
  --wait-idle 30 --idle-max 30 --max-other 25)
scraper=""
cleanup() { [ -n "$scraper" ] && kill "$scraper" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
variant() { # variant LABEL RATE(0 = no API)
  echo "== round $round: $1"
  local api=""
  if [ "$2" != 0 ]; then bash "$here/bench/scrape.sh" "$PUBLIC" "$2" & scraper=$!; api="API=1"; fi
  bash "$bench/relay-bench.sh" "${common[@]}" --label "$1" \
    --relay-cmd "$api bash $here/bench/gt-pair.sh $PUBLIC $ORIGIN" | grep -E '^(RESULT|MEDIAN|NOISY)' || true
  if [ -n "$scraper" ]; then kill "$scraper"; wait "$scraper" 2>/dev/null || true; scraper=""; fi
}
for round in $(seq "$ROUNDS"); do
  variant plain 0
  variant scraped1 1
  variant "scraped$HIGH" "$HIGH"
done
