#!/usr/bin/env bash
# quic-eval.sh - TCP against QUIC tunnels under packet loss and delay, and which one the client's
# path chooser picks. Needs root, iproute2, iptables (the statistic match), ethtool, nginx,
# curl, python3 and a built gt-examples/target/gt.jar (mvn -B -q -DskipTests package).
#
# Three network namespaces: gtq-s (GT server, visitors), gtq-c (GT clients, nginx as the
# service) and gtq-m between them, joined by veth pairs with offloads off. gtq-m bridges the two
# links: with the kernel's bridge when there is no added delay, with bench/delay-bridge.py (a user
# space bridge that holds each frame DELAY ms each way) otherwise; this kernel has no tc netem.
# Loss: `iptables -m statistic --mode random --probability P -j DROP` on the INPUT of gtq-s and
# of gtq-c, so both directions lose P of their packets.
#
# Clients, all with the same server and service: "t" over tcp:// only, "q" over quic:// only
# (both run throughout), and per condition a fresh "b" with both remotes whose log line "new
# streams to ... take ..." is the chooser's pick. Per condition: plain TCP to nginx over the link
# (4 s, no tunnel: what the link carries); a bulk download (/big, 8 s)
# through t, with small requests (/short, a new connection each) running beside it for 6 s; the
# same through q; a 1 MiB random file through t and q checked with sha256; then b's pick.
#
# Everything it creates (namespaces, veths, rules, processes, the temp dir) goes on exit, failure
# and Ctrl-C included. Output: one markdown table row per condition on stdout, progress on stderr.
#   sudo bash bench/quic-eval.sh                # LOSSES="0 1 3 5 10" DELAYS="0 20" (ms each way)
#   LOSSES="3" DELAYS="0" bash bench/quic-eval.sh
#   GT_FLAGS=-bbr bash bench/quic-eval.sh      # flags for the server and every client (BBR for QUIC)
set -euo pipefail
LOSSES=${LOSSES:-"0 1 3 5 10"} DELAYS=${DELAYS:-"0 20"} BULK_SECONDS=${BULK_SECONDS:-8} GT_FLAGS=${GT_FLAGS:-}
here=$(cd "$(dirname "$0")/.." && pwd)
jar="$here/gt-examples/target/gt.jar"
JAVA_OPTS=${JAVA_OPTS:-"-Xms128m -Xmx256m -XX:+UseParallelGC"}
S=gtq-s C=gtq-c M=gtq-m SRV=10.78.0.1 PORT=8080 QPORT=8443
die() { echo "quic-eval: $*" >&2; exit 2; }
log() { echo "quic-eval: $*" >&2; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, iptables)"
for c in ip iptables ethtool nginx curl python3 java sha256sum; do
  command -v "$c" >/dev/null || die "$c not found (Debian: apt-get install iproute2 iptables ethtool nginx-light curl)"
done
[ -f "$jar" ] || die "$jar not found (mvn -B -q -DskipTests package)"
for ns in $S $C $M; do
  ip netns list | grep -qw "$ns" && die "namespace $ns exists already (another run?); remove it with ip netns del $ns"
done

tmp=$(mktemp -d /tmp/quic-eval.XXXXXX)
chmod 755 "$tmp"
pids=() bridge_pid="" chooser_pid=""
cleanup() {
  set +e
  for p in $chooser_pid $bridge_pid "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in $chooser_pid $bridge_pid "${pids[@]}"; do wait "$p" 2>/dev/null; done
  # Anything still running in our namespaces is ours; then deleting a namespace removes its veth
  # ends and its iptables rules with it.
  for ns in $S $C $M; do ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null; done
  sleep 1
  for ns in $S $C $M; do ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null; done
  for ns in $S $C $M; do ip netns del "$ns" 2>/dev/null; done
  [ -z "${KEEP_LOGS:-}" ] || cp "$tmp"/*.log "$KEEP_LOGS/" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the network ---------------------------------------------------------------------------------
for ns in $S $C $M; do ip netns add $ns; ip -n $ns link set lo up; done
ip link add gtq-s0 netns $S type veth peer name gtq-ms netns $M
ip link add gtq-c0 netns $C type veth peer name gtq-mc netns $M
ip -n $S addr add $SRV/24 dev gtq-s0
ip -n $C addr add 10.78.0.2/24 dev gtq-c0
for pair in "$S gtq-s0" "$C gtq-c0" "$M gtq-ms" "$M gtq-mc"; do
  set -- $pair
  # One packet per frame, checksums in software: a dropped "packet" is one packet, and frames
  # survive delay-bridge.py's copy.
  ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 || true
  ip -n "$1" link set "$2" up
done
ip -n $M link set gtq-ms promisc on
ip -n $M link set gtq-mc promisc on

use_delay() { # ms each way; 0 = the kernel's bridge
  if [ -n "$bridge_pid" ]; then kill "$bridge_pid"; wait "$bridge_pid" 2>/dev/null || true; bridge_pid=""; fi
  ip -n $M link del gtq-br 2>/dev/null || true
  if [ "$1" = 0 ]; then
    ip -n $M link add gtq-br type bridge
    ip -n $M link set gtq-ms master gtq-br
    ip -n $M link set gtq-mc master gtq-br
    ip -n $M link set gtq-br up
  else
    ip netns exec $M python3 "$here/bench/delay-bridge.py" gtq-ms gtq-mc "$1" & bridge_pid=$!
  fi
}
use_loss() { # percent, both directions
  local p
  p=$(python3 -c "print($1/100)")
  for pair in "$S gtq-s0" "$C gtq-c0"; do
    set -- $pair
    ip netns exec "$1" iptables -w -F INPUT
    [ "$p" = 0.0 ] || ip netns exec "$1" iptables -w -A INPUT -i "$2" -m statistic --mode random \
      --probability "$p" -j DROP
  done
}

# --- the service and GT ----------------------------------------------------------------------------
mkdir -p "$tmp/www" "$tmp/nginx"
truncate -s 4G "$tmp/www/big"
head -c 1048576 /dev/urandom > "$tmp/www/1m"
want=$(sha256sum < "$tmp/www/1m" | cut -d' ' -f1)
cat > "$tmp/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
pid $tmp/nginx/pid;
error_log $tmp/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off; sendfile on; keepalive_requests 100000;
  client_body_temp_path $tmp/nginx; proxy_temp_path $tmp/nginx; fastcgi_temp_path $tmp/nginx;
  uwsgi_temp_path $tmp/nginx; scgi_temp_path $tmp/nginx;
  server {
    listen 127.0.0.1:18080;
    listen 10.78.0.2:18080;
    root $tmp/www;
    location = /short { default_type text/plain; return 200 "hello bnch"; }
  }
}
EOF
ip netns exec $C nginx -c "$tmp/nginx.conf" -p "$tmp/nginx" & pids+=($!)
cat > "$tmp/users.yaml" <<EOF
t: {secret: eval-secret}
q: {secret: eval-secret}
b: {secret: eval-secret}
EOF
gt() { # NS LOGFILE ARGS...: the runner in a namespace; run with & it is java's own PID in $!
  local ns=$1 out=$2; shift 2
  exec ip netns exec "$ns" java $JAVA_OPTS -jar "$jar" "$@" > "$out" 2>&1
}
gt $S "$tmp/server.log" server -addr $SRV:$PORT -quicAddr $SRV:$QPORT -users "$tmp/users.yaml" $GT_FLAGS & pids+=($!)
client_args=(client -local http://127.0.0.1:18080 -secret eval-secret -remoteCertInsecure $GT_FLAGS)
gt $C "$tmp/t.log" "${client_args[@]}" -id t -remote tcp://$SRV:$PORT & pids+=($!)
gt $C "$tmp/q.log" "${client_args[@]}" -id q -remote quic://$SRV:$QPORT & pids+=($!)

ready() { # ID: the service answers through that client's tunnel
  local i
  for i in $(seq 1 60); do
    [ "$(ip netns exec $S curl -s -m 3 -H "Host: $1.gt" http://$SRV:$PORT/short)" = "hello bnch" ] && return 0
    sleep 1
  done
  return 1
}

measure() { # ID -> "MB/s n=.. err=.. p50=.. p99=.. max=.."
  local id=$1 bulk small
  ip netns exec $S curl -s -o /dev/null -m "$BULK_SECONDS" -w '%{size_download} %{time_total}' \
    -H "Host: $id.gt" http://$SRV:$PORT/big > "$tmp/bulk.$id" || true &
  local bulk_pid=$!
  sleep 1
  small=$(ip netns exec $S python3 "$here/bench/small-requests.py" $SRV $PORT "$id.gt" $((BULK_SECONDS - 2)))
  wait $bulk_pid || true
  bulk=$(awk '{ if ($2 > 0) printf "%.1f", $1 / $2 / 1e6; else print "-" }' "$tmp/bulk.$id")
  echo "$bulk $small"
}

intact() { # ID -> ok | bad | timeout
  local got
  got=$(ip netns exec $S curl -s -m 20 -H "Host: $1.gt" http://$SRV:$PORT/1m | sha256sum | cut -d' ' -f1) || true
  if [ "$got" = "$want" ]; then echo ok; elif [ -z "$got" ]; then echo timeout; else echo bad; fi
}

pick() { # -> tcp | quic | none: a fresh chooser client's first choice
  local log=$tmp/b.log i picked=none
  : > "$log"
  gt $C "$log" "${client_args[@]}" -id b -remote tcp://$SRV:$PORT -remote quic://$SRV:$QPORT \
    -remoteProbeInterval 60s & chooser_pid=$!
  for i in $(seq 1 180); do
    if grep -aq "new streams to .* take" "$log"; then
      picked=$(grep -ao "take [a-z]*://" "$log" | head -1 | sed 's/take //; s/:\/\///')
      break
    fi
    sleep 0.5
  done
  kill $chooser_pid 2>/dev/null || true; wait $chooser_pid 2>/dev/null || true; chooser_pid=""
  grep -a -m1 "new streams to" "$log" | sed 's/.*new streams to/  chooser: new streams to/' >&2 || true
  [ "$picked" != none ] || { log "no choice within 90 s; the chooser client's log ends:"; tail -5 "$log" >&2;
    [ -z "${KEEP_LOGS:-}" ] || cp "$log" "$KEEP_LOGS/b-$(date +%s).log"; }
  echo "$picked"
}

use_delay 0
use_loss 0
ready t || die "no answer through the tcp:// client (see logs: run with the temp dir kept)"
ready q || die "no answer through the quic:// client"
log "server and clients up (GT_FLAGS: ${GT_FLAGS:-none})"

echo "| loss | added RTT | link MB/s | TCP MB/s | QUIC MB/s | TCP small p50 / p99 ms (n, err) | QUIC small p50 / p99 ms (n, err) | 1 MiB sha256 TCP / QUIC | chooser | faster | right |"
echo "| ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- | --- | --- |"
right=0 total=0 ties=0
for delay in $DELAYS; do
  use_delay "$delay"
  for loss in $LOSSES; do
    use_loss "$loss"
    log "loss $loss%, delay $delay ms each way"
    ready t || log "t not answering"
    ready q || log "q not answering"
    # What the link itself carries: plain TCP straight to nginx, no tunnel.
    direct=$(ip netns exec $S curl -s -o /dev/null -m 4 -w '%{size_download} %{time_total}' \
      http://10.78.0.2:18080/big | awk '{ if ($2 > 0) printf "%.1f", $1 / $2 / 1e6; else print "-" }' || true)
    read -r tb tn terr tp50 tp99 _ <<< "$(measure t)"
    read -r qb qn qerr qp50 qp99 _ <<< "$(measure q)"
    ti=$(intact t) qi=$(intact q)
    chosen=$(pick)
    faster=$(python3 -c "
t, q = float('$tb'.replace('-', '0')), float('$qb'.replace('-', '0'))
print('tie' if max(t, q) > 0 and abs(t - q) <= 0.1 * max(t, q) else 'tcp' if t > q else 'quic')")
    verdict=no
    if [ "$faster" = tie ]; then verdict="tie"; ties=$((ties + 1)); elif [ "$faster" = "$chosen" ]; then verdict=yes; right=$((right + 1)); fi
    total=$((total + 1))
    echo "| $loss% | $((2 * delay)) ms | $direct | $tb | $qb | ${tp50#p50=} / ${tp99#p99=} (${tn#n=}, ${terr#err=}) | ${qp50#p50=} / ${qp99#p99=} (${qn#n=}, ${qerr#err=}) | $ti / $qi | $chosen | $faster | $verdict |"
  done
done
echo
echo "Chooser picked the faster transport in $right of $((total - ties)) conditions with a clear winner (> 10% apart); $ties ties."
