#!/usr/bin/env bash
# cpu-split.sh JAR [MODE]: user and system CPU per request of the GT server and client (bench/gt-pair.sh,
# nginx on 127.0.0.1:21080, wrk -t2 -c100 /short: 20 s warm-up, 10 s measured), and which threads were busy.
# THREADS and JOPTS as for gt-pair.sh (-workerThreads, JVM flags). Needs nginx, wrk, curl.
JAR=$1; MODE=${2:-tcp}
d=$(mktemp -d)
cat > $d/nginx.conf <<NG
worker_processes 1; daemon off; pid $d/nginx.pid; error_log $d/err.log;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:21080; location /short { return 200 "0123456789"; } } }
NG
nginx -c $d/nginx.conf & NG=$!
THREADS=${THREADS:-} JAVA_OPTS="${JOPTS:-}" MODE=$MODE JAR=$JAR setsid bash "$(dirname "$0")/gt-pair.sh" 21090 21080 > $d/pair.log 2>&1 & PAIR=$!
port=21091; [ "$MODE" = tcp ] || port=21090
for i in $(seq 90); do curl -s -o /dev/null --max-time 1 http://127.0.0.1:$port/short && break; sleep 1; done
wrk -t2 -c100 -d20s http://127.0.0.1:$port/short > /dev/null   # warm-up
pids=$(pgrep -f "jar $JAR")
snap() { for p in $pids; do role=$(tr '\0' ' ' < /proc/$p/cmdline | grep -o ' server \| client ' | tr -d ' '); echo "$role $(awk '{print $14, $15}' /proc/$p/stat)"; done; }
snap > $d/a
for p in $pids; do for t in /proc/$p/task/*; do echo "$p:$(basename $t) $(awk '{print $14+$15}' $t/stat) $(tr ' ' _ < $t/comm)"; done; done | sort > $d/ta
wrk -t2 -c100 -d10s http://127.0.0.1:$port/short > $d/wrk.txt
snap > $d/b
for p in $pids; do for t in /proc/$p/task/*; do echo "$p:$(basename $t) $(awk '{print $14+$15}' $t/stat) $(tr ' ' _ < $t/comm)"; done; done | sort > $d/tb
echo "== threads busy during the measured 10 s (ticks of 10 ms)"; join $d/ta $d/tb | awk '{d=$4-$2; if (d>0) print d, $1, $3}' | sort -rn | head -12
reqs=$(awk '/requests in/ {print $1}' $d/wrk.txt)
echo "requests $reqs"
join <(sort $d/a) <(sort $d/b) | awk -v n=$reqs '{printf "%s: user %.1f us/req, sys %.1f us/req\n", $1, ($4-$2)*10000/n, ($5-$3)*10000/n}'
kill -- -$PAIR 2>/dev/null; kill $NG; wait 2>/dev/null; rm -rf $d
