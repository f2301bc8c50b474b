#!/usr/bin/env bash
# stun-bench.sh: GT's STUN/TURN server and coturn side by side, in one run, with the same load.
#
# Usage: gt-p2p/bench/stun-bench.sh [ROUNDS]        (from the repository root; default 5 rounds)
#
# Needs: gcc, coturn (turnserver, turnutils_uclient), a JDK, and gt-examples/target/gt.jar
# (mvn -B -q -DskipTests package). Everything listens on 127.0.0.1 only and stops by itself.
#
# Binding: gt-p2p/bench/stunload.c (compiled here) keeps requests in flight on many sockets and
# checks every answer (XOR-MAPPED-ADDRESS = the socket's own address). Two loads:
#   closed  -s 50 -w 1   50 sockets, one request each in flight (pion stun-bench -w 50's shape)
#   window  -s 16 -w 8   16 sockets, 8 requests each in flight
# Servers run alternately, ROUNDS times each, after JIT warm-up runs for GT. Server CPU per request
# comes from /proc/PID/stat (utime+stime) around each run; the generator reports its own CPU.
#
# TURN: turnutils_uclient -y (pairs of clients relaying to each other through two allocations, so
# every message crosses the server twice; it paces itself), then gt-p2p/bench/TurnLoad.java (JDK
# only: pairs of allocations with a channel each way, ChannelData A->B as a closed loop with a
# window) for the relay throughput; server CPU per relayed message for both.
# Environment: ENGINE=io_uring|epoll|nio forces GT's engine; DURATION (s) per run.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-5}
DURATION=${DURATION:-5}
JAR=${GT_JAR:-gt-examples/target/gt.jar}
WORK=$(mktemp -d /tmp/stun-bench.XXXXXX)
GT_PORT=${GT_PORT:-34780}
COTURN_PORT=${COTURN_PORT:-34790}
for p in gcc turnserver turnutils_uclient java; do
  command -v "$p" >/dev/null || { echo "stun-bench: $p is missing (apt-get install -y gcc coturn default-jdk-headless)" >&2; exit 2; }
done
[ -f "$JAR" ] || { echo "stun-bench: $JAR is missing; run mvn -B -q -DskipTests package first" >&2; exit 2; }
gcc -O2 -o "$WORK/stunload" gt-p2p/bench/stunload.c

GT_PID= COTURN_PID=
cleanup() {
  [ -n "$GT_PID" ] && kill "$GT_PID" 2>/dev/null || true
  [ -n "$COTURN_PID" ] && kill "$COTURN_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

cat > "$WORK/turnserver.conf" <<CONF
listening-ip=127.0.0.1
relay-ip=127.0.0.1
listening-port=$COTURN_PORT
min-port=50000
max-port=50999
no-tls
no-dtls
no-cli
fingerprint
lt-cred-mech
realm=gt
user=bench:bench
allow-loopback-peers
no-multicast-peers
pidfile=$WORK/turnserver.pid
log-file=$WORK/turnserver.log
simple-log
CONF
turnserver -c "$WORK/turnserver.conf" > "$WORK/turnserver.out" 2>&1 &
COTURN_PID=$!
JOPTS=()
[ -n "${ENGINE:-}" ] && JOPTS+=("-Dgt.transport=$ENGINE")
java "${JOPTS[@]}" -jar "$JAR" stun -stunAddr "127.0.0.1:$GT_PORT" -turnUser bench:bench -turnRealm gt \
  -turnAllowPeer 127.0.0.0/8 -turnRelayPorts 51000-51999 -logLevel warn > "$WORK/gt.out" 2>&1 &
GT_PID=$!
answers() { "$WORK/stunload" -t 0.2 -s 1 -w 1 127.0.0.1 "$1" 2>/dev/null | grep -q 'ok=[1-9]'; }
for i in $(seq 50); do
  answers $GT_PORT && answers $COTURN_PORT && break
  if [ "$i" = 50 ]; then
    echo "stun-bench: the servers do not answer; coturn said:" >&2
    tail -5 "$WORK/turnserver.out" "$WORK/turnserver.log" "$WORK/gt.out" >&2 || true
    exit 1
  fi
  sleep 0.2
done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# run NAME PID PORT ARGS...: one stunload run; prints rps, server and generator CPU per request.
run() {
  local name=$1 pid=$2 port=$3; shift 3
  local t0 t1 out ok
  t0=$(ticks "$pid")
  out=$("$WORK/stunload" -t "$DURATION" "$@" 127.0.0.1 "$port")
  t1=$(ticks "$pid")
  ok=$(sed 's/.*ok=\([0-9]*\).*/\1/' <<<"$out")
  awk -v n="$name" -v o="$out" -v d=$((t1 - t0)) -v ok="$ok" -v hz="$HZ" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { split(o, f, " "); printf "%-7s %-11s %-6s %-7s %-7s server_us_per_req=%.2f %s load=%s\n", n, f[2], f[3], f[4], f[5], d * 1e6 / hz / ok, f[6], l }'
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(uname -r); coturn $(dpkg-query -W -f='${Version}' coturn 2>/dev/null || echo '?'); GT engine ${ENGINE:-default}"
echo "# warm-up (GT's JIT)"
run gt "$GT_PID" $GT_PORT -s 16 -w 8 >/dev/null
run gt "$GT_PID" $GT_PORT -s 50 -w 1 >/dev/null
for load in "-s 50 -w 1" "-s 16 -w 8" "-tcp -s 16 -w 8"; do
  echo "# Binding, stunload $load, ${DURATION}s per run, alternating"
  for r in $(seq "$ROUNDS"); do
    # shellcheck disable=SC2086
    run coturn "$COTURN_PID" $COTURN_PORT $load
    # shellcheck disable=SC2086
    run gt "$GT_PID" $GT_PORT $load
  done
done

# TURN relay: pairs of uclient sessions relaying to each other; each message crosses the server twice.
turn() {
  local name=$1 pid=$2 port=$3 t0 t1 s0 s1 out msgs
  t0=$(ticks "$pid"); s0=$(date +%s.%N)
  out=$(cd "$WORK" && timeout 120 turnutils_uclient -y -m "${TURN_SESSIONS:-20}" -n "${TURN_MESSAGES:-2000}" \
      -l "${TURN_SIZE:-1000}" -z "${TURN_INTERVAL:-1}" -u bench -w bench -p "$port" 127.0.0.1 2>&1 || true)
  s1=$(date +%s.%N); t1=$(ticks "$pid")
  msgs=$(sed -n 's/.*start_mclient: tot_send_msgs=\([0-9]*\), tot_recv_msgs=\([0-9]*\).*/\2/p' <<<"$out" | tail -1)
  lost=$(sed -n 's/.*Total lost packets \([0-9]*\) (\([0-9.]*%\)).*/\1 \2/p' <<<"$out" | tail -1)
  awk -v n="$name" -v m="${msgs:-0}" -v d=$((t1 - t0)) -v hz="$HZ" -v w="$(echo "$s1 - $s0" | bc)" -v lost="$lost" \
    'BEGIN { printf "%-7s relayed_msgs=%d msgs_per_s=%.0f MB_per_s=%.1f server_us_per_msg=%.2f lost=%s\n", n, m, m / w, m * '"${TURN_SIZE:-1000}"' / w / 1e6, (m ? d * 1e6 / hz / m : 0), lost }'
}
echo "# TURN over UDP, turnutils_uclient -y -m ${TURN_SESSIONS:-20} -n ${TURN_MESSAGES:-2000} -l ${TURN_SIZE:-1000} -z ${TURN_INTERVAL:-1}"
for w in 1 2 3 4; do turn gt "$GT_PID" $GT_PORT >/dev/null; done   # warm-up: C2 compiles the relay path for a while
for r in $(seq "$ROUNDS"); do
  turn coturn "$COTURN_PID" $COTURN_PORT
  turn gt "$GT_PID" $GT_PORT
done

# TURN throughput: TurnLoad, 8 pairs, window 16, 1000-byte messages; each crosses the server twice.
turnload() {
  local name=$1 pid=$2 port=$3 t0 t1 out msgs
  t0=$(ticks "$pid")
  out=$(java gt-p2p/bench/TurnLoad.java 127.0.0.1 "$port" bench bench "$DURATION" 8 1000 16)
  t1=$(ticks "$pid")
  msgs=$(sed 's/relayed_msgs=\([0-9]*\).*/\1/' <<<"$out")
  awk -v n="$name" -v o="$out" -v d=$((t1 - t0)) -v m="$msgs" -v hz="$HZ" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { split(o, f, " "); printf "%-7s %-19s %-15s %-7s server_us_per_msg=%.2f %s load=%s\n", n, f[2], f[3], f[4], (m ? d * 1e6 / hz / m : 0), f[5], l }'
}
echo "# TURN throughput, TurnLoad.java 8 pairs x window 16, 1000-byte ChannelData, ${DURATION}s per run"
for w in 1 2; do turnload gt "$GT_PID" $GT_PORT >/dev/null; done   # warm-up
for r in $(seq "$ROUNDS"); do
  turnload coturn "$COTURN_PID" $COTURN_PORT
  turnload gt "$GT_PID" $GT_PORT
done
