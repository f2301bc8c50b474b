#!/usr/bin/env bash
# scrape.sh - what Prometheus does to a gt pair started with API=1 bench/gt-pair.sh: GET /metrics
# of the server (PUBLIC+3) and of the client (PUBLIC+4) once a second, until killed.
#   bench/scrape.sh [PUBLIC=18090]
PUBLIC=${1:-18090}
while :; do
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$((PUBLIC + 3))/metrics" || true
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$((PUBLIC + 4))/metrics" || true
  sleep 1
done
