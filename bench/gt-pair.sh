#!/usr/bin/env bash
# gt-pair.sh - a GT server and a GT client, as two `gt` runner processes in the foreground, for
# ../shared/bench/relay-bench.sh --relay-cmd. Visitors reach nginx (127.0.0.1:ORIGIN) through the
# tunnel on 127.0.0.1:PUBLIC, routed by Host: the first label of 127.0.0.1 is "127", which is the
# client's host prefix. MODE=tcp forwards the TCP port PUBLIC+1 instead (no HTTP routing);
# MODE=tls runs the tunnel over TLS (-tlsAddr PUBLIC+2, tls:// client); MODE=quic over QUIC
# (-quicAddr PUBLIC+2 on UDP, quic:// client, BBR=1 adds -bbr to both); MODE=https terminates
# HTTPS for visitors on PUBLIC (tunnel over plain TCP on PUBLIC+2): point wrk at https://.
# Both processes run as users run them: the runner's default flags and the default JVM. THREADS
# sets -workerThreads of both, JAVA_OPTS adds JVM flags, SERVER_FLAGS and CLIENT_FLAGS add runner
# flags (e.g. CLIENT_FLAGS='-remoteConnections 1'), for experiments only.
# API=1 adds the status API (server -apiAddr PUBLIC+3, client PUBLIC+4), to be scraped from
# outside (bench/scrape.sh) for the metrics' overhead.
#   relay-bench.sh relay --url http://127.0.0.1:18090/short \
#     --relay-cmd 'bash bench/gt-pair.sh 18090 18080' --runs 3 --warmup 30s --relay-wait 90
set -euo pipefail
PUBLIC=${1:-18090} ORIGIN=${2:-18080} MODE=${MODE:-http}
here=$(cd "$(dirname "$0")/.." && pwd)
jar=${JAR:-"$here/gt-examples/target/gt.jar"}
[ -f "$jar" ] || { echo "gt-pair: $jar not found (mvn -B -q -DskipTests package)" >&2; exit 2; }
JAVA_OPTS=${JAVA_OPTS:-}
threads=()
[ -n "${THREADS:-}" ] && threads=(-workerThreads "$THREADS")
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
server_flags=(-addr "127.0.0.1:$PUBLIC")
remote="tcp://127.0.0.1:$PUBLIC"
client_tls=()
server_api=() client_api=()
if [ "${API:-0}" = 1 ]; then
  server_api=(-apiAddr "127.0.0.1:$((PUBLIC + 3))"); client_api=(-apiAddr "127.0.0.1:$((PUBLIC + 4))")
fi
case "$MODE" in
  tls)
    server_flags+=(-tlsAddr "127.0.0.1:$((PUBLIC + 2))")
    remote="tls://127.0.0.1:$((PUBLIC + 2))"; client_tls=(-remoteCertInsecure) ;;
  quic)
    server_flags+=(-quicAddr "127.0.0.1:$((PUBLIC + 2))")
    remote="quic://127.0.0.1:$((PUBLIC + 2))"; client_tls=(-remoteCertInsecure)
    [ -n "${BBR:-}" ] && { server_flags+=(-bbr); client_tls+=(-bbr); } ;;
  https)
    server_flags=(-tlsAddr "127.0.0.1:$PUBLIC" -addr "127.0.0.1:$((PUBLIC + 2))")
    # CERT/KEY: PEM files the load generator's probe trusts (CURL_CA_BUNDLE); default: generated.
    [ -n "${CERT:-}" ] && server_flags+=(-certFile "$CERT" -keyFile "$KEY")
    remote="tcp://127.0.0.1:$((PUBLIC + 2))" ;;
esac
java $JAVA_OPTS -jar "$jar" server "${server_flags[@]}" -id bench -secret bench-secret \
  -tcpRange "$((PUBLIC + 1))" "${threads[@]}" "${server_api[@]}" ${SERVER_FLAGS:-} & pids+=($!)
if [ "$MODE" = tcp ]; then
  local_flags=(-local "tcp://127.0.0.1:$ORIGIN" -remoteTCPPort "$((PUBLIC + 1))")
else
  local_flags=(-local "http://127.0.0.1:$ORIGIN" -hostPrefix 127)
fi
java $JAVA_OPTS -jar "$jar" client -remote "$remote" "${client_tls[@]}" -id bench -secret bench-secret \
  "${local_flags[@]}" "${threads[@]}" "${client_api[@]}" ${CLIENT_FLAGS:-} & pids+=($!)
wait
