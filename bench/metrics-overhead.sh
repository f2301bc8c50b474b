#!/usr/bin/env bash
# metrics-overhead.sh - relay CPU per request of a gt pair without and with the status API scraped
# once a second (bench/scrape.sh: GET /metrics of server and client, as Prometheus does),
# alternating ROUNDS times so that the machine's drift hits both alike. Prints relay-bench's
# RESULT/MEDIAN lines, labelled plain and scraped. The meters are fed in both (the runner always
# wires them); what differs is -apiAddr on both ends and the scraping.
#   bench/metrics-overhead.sh [ROUNDS=2] [RUNS=3]
set -euo pipefail
ROUNDS=${1:-2} RUNS=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH_DIR:-$here/../shared/bench}
PUBLIC=${PUBLIC:-18090} ORIGIN=${ORIGIN:-18080}
common=(relay --url "http://127.0.0.1:$PUBLIC/short" --port "$ORIGIN" --runs "$RUNS" --warmup 30s --relay-wait 90
  --wait-idle 30 --max-other 25)
scraper=""
cleanup() { [ -n "$scraper" ] && kill "$scraper" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
for round in $(seq "$ROUNDS"); do
  echo "== round $round: plain"
  bash "$bench/relay-bench.sh" "${common[@]}" --label plain \
    --relay-cmd "bash $here/bench/gt-pair.sh $PUBLIC $ORIGIN" | grep -E '^(RESULT|MEDIAN|NOISY)'
  echo "== round $round: scraped"
  bash "$here/bench/scrape.sh" "$PUBLIC" & scraper=$!
  bash "$bench/relay-bench.sh" "${common[@]}" --label scraped \
    --relay-cmd "API=1 bash $here/bench/gt-pair.sh $PUBLIC $ORIGIN" | grep -E '^(RESULT|MEDIAN|NOISY)'
  kill "$scraper"; wait "$scraper" 2>/dev/null || true; scraper=""
done
