#!/usr/bin/env bash
# Throughput side by side, in one run: our steps (release build) against the references.
#
#   scripts/bench.sh [all]      # every scenario
#   scripts/bench.sh origin     # step 1: Step1Origin vs python3 -m http.server vs nginx (static)
#   scripts/bench.sh step2      # step 2: Step2NaiveCache HIT vs nginx proxy_cache HIT
#   scripts/bench.sh step3      # step 3: Step3MinUses HIT vs nginx HIT, and resident memory
#   scripts/bench.sh step4      # step 4: Step4Purge HIT (from its files) vs nginx HIT, and the
#                               #         cache loader on 100,000 entries vs `find | wc -l`
#   scripts/bench.sh fleet      # step 5's fleet alone
#   scripts/bench.sh step5      # step 5: Step5Invalidation HIT vs Step4Purge HIT (statistics must
#                               #         not cost the hot path), an invalidation among 100,000
#                               #         entries, and 50 and 500 cold requests: origin requests
#                               #         with and without coalescing, nginx side by side; a fleet
#                               #         of three nodes on one Redis: how long an invalidation takes
#                               #         to reach all, and HIT throughput with --fleet
#
# Each row is `wrk -t2 -c64 -d10s` against one server and one image (for cache HITs, the median
# of ROUNDS=3 alternating rounds per side); ratios compare rows of the same run, because absolute
# numbers move between runs and machines. Set DURATION=3s ROUNDS=1 for a quick look.
# Needs wrk, nginx and python3 (apt-get install wrk nginx-light).
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}  # cache HIT rows: alternating rounds per side, the median reported
IMAGES=(1.jpg 3.jpg)
ROOT=$PWD/Sources/Step1Origin/SampleImages
WORK=$(mktemp -d /tmp/bench.XXXXXX)
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -n "${KEEP_WORK:-}" ] && echo "bench: kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT

for tool in wrk nginx python3 curl; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is not installed (apt-get install wrk nginx-light curl)" >&2; exit 1; }
done

echo "== building release binaries" >&2
swift build -c release >&2
BIN=$(swift build -c release --show-bin-path)

# start_step NAME ARGS... : starts a step on a free port, sets PORT from its `listening on` line.
start_step() {
    local name=$1; shift
    "$BIN/$name" --port 0 "$@" >"$WORK/$name.out" 2>"$WORK/$name.log" &
    PIDS+=($!)
    for _ in $(seq 100); do
        PORT=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$WORK/$name.out")
        [ -n "$PORT" ] && return 0
        sleep 0.1
    done
    echo "bench: $name did not start" >&2; exit 1
}

# free_port : prints a port nobody listens on (for servers that cannot report their own).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_for() { for _ in $(seq 100); do curl -fso /dev/null "$1" && return 0; sleep 0.1; done; echo "bench: $1 not ready" >&2; exit 1; }

# start_nginx NAME LOCATION_BODY : one worker, access log on, as the chapters' measurements describe.
start_nginx() {
    local name=$1 body=$2 port
    port=$(free_port)
    mkdir -p "$WORK/$name/logs"
    # As root, nginx's worker would switch to www-data and could not write to our directory.
    local user=""; [ "$(id -u)" = 0 ] && user="user root;"
    cat >"$WORK/$name/nginx.conf" <<CONF
$user
worker_processes 1;
daemon off;
pid $WORK/$name/nginx.pid;
error_log $WORK/$name/logs/error.log;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log $WORK/$name/logs/access.log;
    client_body_temp_path $WORK/$name/client_temp;
    proxy_temp_path $WORK/$name/proxy_temp;
    $EXTRA_HTTP
    server {
        listen 127.0.0.1:$port;
        location / { $body }
    }
}
CONF
    nginx -p "$WORK/$name" -c "$WORK/$name/nginx.conf" &
    PIDS+=($!)
    PORT=$port
}

# measure URL : requests/s from wrk.
measure() {
    wrk -t2 -c64 -d"$DURATION" "$1" | awk '/^Requests\/sec:/ { printf "%.0f", $2 }'
}

# alternate URL_A URL_B : ROUNDS alternating measurements of each, and their medians in A and B.
# Alternating: a neighbour's load that comes and goes then touches both sides alike instead of one.
alternate() {
    local first=() second=()
    for _ in $(seq "$ROUNDS"); do
        first+=("$(measure "$1")")
        second+=("$(measure "$2")")
    done
    A=$(median "${first[@]}"); B=$(median "${second[@]}")
}

# median N... : the middle value.
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }

# MARK: - Step 1: the origin

bench_origin() {
    start_step Step1Origin --root "$ROOT"; local ours=$PORT
    local python; python=$(free_port)
    (cd "$ROOT" && exec python3 -m http.server --bind 127.0.0.1 "$python" >/dev/null 2>&1) &
    PIDS+=($!)
    EXTRA_HTTP="sendfile on;" start_nginx nginx-static "root $ROOT;"; local nginx=$PORT
    wait_for "http://127.0.0.1:$python/1.jpg"; wait_for "http://127.0.0.1:$nginx/1.jpg"

    echo
    echo "Step 1 origin, wrk -t2 -c64 -d$DURATION, requests/s"
    printf '| %-6s | %12s | %12s | %12s | %10s | %10s |\n' image Step1Origin python nginx "vs python" "vs nginx"
    printf '|--------|-------------:|-------------:|-------------:|-----------:|-----------:|\n'
    for image in "${IMAGES[@]}"; do
        local a b c
        a=$(measure "http://127.0.0.1:$ours/$image")
        b=$(measure "http://127.0.0.1:$python/$image")
        c=$(measure "http://127.0.0.1:$nginx/$image")
        printf '| %-6s | %12s | %12s | %12s | %10s | %10s |\n' "$image" "$a" "$b" "$c" "$(ratio "$a" "$b")" "$(ratio "$a" "$c")"
    done
}

# MARK: - Steps 2 and 3: cache hits

# warm URL N : requests URL N times (min-uses needs more than one before it is stored).
warm() { for _ in $(seq "$2"); do curl -fso /dev/null "$1"; done; }

# bench_hits STEP [ARGS...] : HIT throughput of STEP (started with ARGS) against nginx's
# proxy_cache HIT, same origin, one run.
bench_hits() {
    local step=$1; shift
    start_step Step1Origin --root "$ROOT"; local origin=$PORT
    start_step "$step" --upstream "http://127.0.0.1:$origin" "$@"; local ours=$PORT
    # The workshop's cache configuration (chapter 2, How nginx does it), one worker, access log on.
    EXTRA_HTTP="proxy_cache_path $WORK/nginx-cache/cache levels=1:2 keys_zone=my_cache:10m;" \
        start_nginx nginx-cache "proxy_pass http://127.0.0.1:$origin;
            add_header X-Proxy-Cache \$upstream_cache_status;
            proxy_ignore_headers \"Set-Cookie\";
            proxy_cache my_cache;
            proxy_cache_min_uses 2;
            proxy_cache_valid 200 60m;
            proxy_cache_key \$proxy_host\$request_uri;"
    local nginx=$PORT
    wait_for "http://127.0.0.1:$nginx/1.jpg"

    echo
    echo "$step HIT vs nginx proxy_cache HIT, wrk -t2 -c64 -d$DURATION, median of $ROUNDS alternating rounds, requests/s"
    printf '| %-6s | %14s | %12s | %10s |\n' image "$step" "nginx HIT" "vs nginx"
    printf '|--------|---------------:|-------------:|-----------:|\n'
    for image in "${IMAGES[@]}"; do
        warm "http://127.0.0.1:$ours/$image" 3
        warm "http://127.0.0.1:$nginx/$image" 3
        for port in "$ours" "$nginx"; do
            curl -sD - -o /dev/null "http://127.0.0.1:$port/$image" | grep -qi '^X-Proxy-Cache: HIT' \
                || { echo "bench: $image is not a HIT on port $port" >&2; exit 1; }
        done
        alternate "http://127.0.0.1:$ours/$image" "http://127.0.0.1:$nginx/$image"
        printf '| %-6s | %14s | %12s | %10s |\n' "$image" "$A" "$B" "$(ratio "$A" "$B")"
    done
}

# bench_memory : step 3's resident memory after 3000 distinct keys of 2.jpg were stored.
bench_memory() {
    start_step Step1Origin --root "$ROOT"; local origin=$PORT
    start_step Step3MinUses --upstream "http://127.0.0.1:$origin" --max-size 16m; local ours=$PORT
    local pid=${PIDS[-1]}
    # Each key twice: min-uses 2 stores it on the second request; --max-size evicts the oldest.
    python3 - "$ours" <<'PY'
import http.client, sys
connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
for n in range(1, 3001):
    for _ in range(2):
        connection.request("GET", f"/2.jpg?k={n}")
        response = connection.getresponse()
        assert response.status == 200 and len(response.read()) == 62440
PY
    local rss; rss=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
    echo
    echo "Step3MinUses --max-size 16m after 3000 distinct keys of 2.jpg (62,440 B) were stored"
    echo "| resident memory (VmRSS) | target |"
    echo "|------------------------:|-------:|"
    echo "| $rss MB | < 96 MB |"
}

# make_entries DIR : 100,000 cache files in nginx's format under DIR: 14,286 source images in 100
# directories, seven variants each (`/images/42/4242.jpg?w=0` … `?w=6`).
make_entries() {
    python3 - "$1" <<'PY'
import hashlib, os, struct, sys, time, zlib
root = sys.argv[1]
now = int(time.time())
body = b"x" * 2000
for n in range(100_000):
    source = n // 7
    key = f"127.0.0.1:8000/images/{source % 100}/{source}.jpg?w={n % 7}".encode()
    name = hashlib.md5(key).hexdigest()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 2000\r\n\r\n"
    header_start = 336 + 6 + len(key) + 1
    header = struct.pack("<6qIHHH", 5, now + 3600, 0, 0, -1, now, zlib.crc32(key), 0, header_start, header_start + len(head))
    header += b"\0" * (336 - len(header))
    directory = os.path.join(root, name[-1], name[-3:-1])
    os.makedirs(directory, mode=0o700, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as file:
        file.write(header + b"\nKEY: " + key + b"\n" + head + body)
PY
}

# bench_loader : the cache loader of Step4Purge on 100,000 generated entries, against a bare
# walk of the same tree (`find DIR -type f | wc -l`), both with the tree in the page cache.
bench_loader() {
    local cache=$WORK/loader-cache
    make_entries "$cache"
    find "$cache" -type f | wc -l >/dev/null  # the same warm page cache for both
    local start end walk
    start=$(date +%s%N)
    find "$cache" -type f | wc -l >/dev/null
    end=$(date +%s%N)
    walk=$(( (end - start) / 1000000 ))
    # --keys-zone 64m: room for every key (10m, nginx's and our default, holds about 66,000 of these).
    start_step Step4Purge --cache-dir "$cache" --keys-zone 64m
    local line=""
    for _ in $(seq 600); do
        line=$(grep '^cache: ' "$WORK/Step4Purge.out" || true)
        [ -n "$line" ] && break
        sleep 0.1
    done
    local load; load=$(sed -n 's/.* in \([0-9,]*\) ms.*/\1/p' <<<"$line" | tr -d ,)
    echo
    echo "Step4Purge's cache loader on 100,000 entries (2 kB bodies), with the tree in the page cache"
    echo "| Step4Purge start-up line | load | find -type f \| wc -l | vs find |"
    echo "|---|---:|---:|---:|"
    echo "| $line | $load ms | $walk ms | $(ratio "$load" "$walk") |"
    bench_purge "$cache" "$PORT" "${PIDS[-1]}" "$walk"
}

# bench_purge DIR PORT PID FIND_MS : PURGE of one key and of a prefix of 1,000 keys in the proxy
# that loaded DIR (with strace, the files it opened meanwhile: none), then the tool's
# `purge --regex` over DIR against the `find` walk measured before.
bench_purge() {
    local cache=$1 port=$2 pid=$3 walk=$4 one prefix opened="(strace not installed)"
    one=$(curl -s -o "$WORK/purge-one.json" -w '%{http_code} in %{time_total}s' -X PURGE "http://127.0.0.1:$port/images/42/4242.jpg?w=$((4242 % 7))")
    prefix=$(curl -s -o "$WORK/purge-prefix.json" -w '%{http_code} in %{time_total}s' -X PURGE "http://127.0.0.1:$port/images/43/*")
    # The same two purges again (other keys) under strace, which slows every call it watches:
    # they are counted, not timed.
    if command -v strace >/dev/null; then
        strace -f -e trace=open,openat -p "$pid" -o "$WORK/purge.strace" 2>/dev/null &
        local trace=$!
        sleep 0.5
        curl -s -o /dev/null -X PURGE "http://127.0.0.1:$port/images/44/4444.jpg?w=$((4444 % 7))"
        curl -s -o /dev/null -X PURGE "http://127.0.0.1:$port/images/45/*"
        sleep 0.5; kill "$trace"; wait "$trace" 2>/dev/null || true
        opened=$(grep -c "$cache" "$WORK/purge.strace" || true)
    fi
    local count; count=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["count"])' "$WORK/purge-prefix.json")
    local start end regex
    start=$(date +%s%N)
    "$BIN/Step4Purge" purge --cache-dir "$cache" --dry-run --regex '^127\.0\.0\.1:8000/images/7/.*w=3$' >"$WORK/regex.out"
    end=$(date +%s%N)
    regex=$(( (end - start) / 1000000 ))
    echo
    echo "PURGE in the proxy with 100,000 entries loaded (curl's time_total), and cache files it opened meanwhile"
    echo "| PURGE of one key | PURGE of /images/43/* ($count keys) | files opened |"
    echo "|---:|---:|---:|"
    echo "| $one | $prefix | $opened |"
    echo
    echo "Step4Purge purge --dry-run --regex over the same 100,000 entries ($(tail -n 1 "$WORK/regex.out"))"
    echo "| purge --regex | find -type f \| wc -l | vs find |"
    echo "|---:|---:|---:|"
    echo "| $regex ms | $walk ms | $(ratio "$regex" "$walk") |"
}

# MARK: - Step 5: statistics on the hot path, invalidation, coalescing

# bench_step5_hits : HIT throughput of Step5Invalidation against Step4Purge (and nginx), same
# origin, alternating rounds: the statistics a HIT counts must not cost it.
bench_step5_hits() {
    start_step Step1Origin --root "$ROOT"; local origin=$PORT
    start_step Step4Purge --upstream "http://127.0.0.1:$origin" --cache-dir "$WORK/step4-cache"; local four=$PORT
    start_step Step5Invalidation --upstream "http://127.0.0.1:$origin" --cache-dir "$WORK/step5-cache" --admin-port 0
    local five=$PORT
    echo
    echo "Step5Invalidation HIT vs Step4Purge HIT, wrk -t2 -c64 -d$DURATION, median of $ROUNDS alternating rounds, requests/s"
    printf '| %-6s | %17s | %10s | %12s |\n' image Step5Invalidation Step4Purge "vs Step4Purge"
    printf '|--------|------------------:|-----------:|-------------:|\n'
    for image in "${IMAGES[@]}"; do
        warm "http://127.0.0.1:$four/$image" 3
        warm "http://127.0.0.1:$five/$image" 3
        alternate "http://127.0.0.1:$five/$image" "http://127.0.0.1:$four/$image"
        printf '| %-6s | %17s | %10s | %12s |\n' "$image" "$A" "$B" "$(ratio "$A" "$B")"
    done
}

# admin_port NAME : the admin API's port from NAME's `admin API on` line.
admin_port() {
    for _ in $(seq 100); do
        local port; port=$(sed -n 's|^admin API on http://127.0.0.1:\([0-9]*\).*|\1|p' "$WORK/$1.out")
        [ -n "$port" ] && { echo "$port"; return 0; }
        sleep 0.1
    done
    echo "bench: $1 printed no admin address" >&2; exit 1
}

# bench_invalidation : one invalidation (a source with 7 variants) in a proxy that loaded 100,000
# entries: its time (curl's time_total, the history's fsync included) and the cache files it
# opened (strace: none; it deletes 7).
bench_invalidation() {
    local cache=$WORK/invalidation-cache
    make_entries "$cache"
    STEP5_INVALIDATION_TOKEN=bench-token start_step Step5Invalidation --cache-dir "$cache" --keys-zone 64m --admin-port 0
    local pid=${PIDS[-1]} admin; admin=$(admin_port Step5Invalidation)
    for _ in $(seq 600); do grep -q '^cache: ' "$WORK/Step5Invalidation.out" && break; sleep 0.1; done
    local url="http://127.0.0.1:$admin/invalidate?projectName=bench&latestCommitHash=0000000"
    local first second opened="(strace not installed)"
    first=$(curl -s -o "$WORK/invalidate.json" -w '%{http_code} in %{time_total}s' -X DELETE -H 'Authorization: Bearer bench-token' "$url&urls=/images/42/4242.jpg")
    local count; count=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["invalidatedImages"]))' "$WORK/invalidate.json")
    if command -v strace >/dev/null; then
        strace -f -e trace=open,openat,unlink,unlinkat -p "$pid" -o "$WORK/invalidate.strace" 2>/dev/null &
        local trace=$!
        sleep 0.5
        second=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H 'Authorization: Bearer bench-token' "$url&urls=/images/43/4343.jpg")
        sleep 0.5; kill "$trace"; wait "$trace" 2>/dev/null || true
        opened="$(grep -E 'open' "$WORK/invalidate.strace" | grep -c "$cache/" || true) opened, $(grep -c 'unlink' "$WORK/invalidate.strace" || true) deleted"
    fi
    echo
    echo "An invalidation of one source among 100,000 entries (curl's time_total, the history's fsync included)"
    echo "| entries deleted | time | cache files opened / deleted (strace, a second source) |"
    echo "|---:|---:|---:|"
    echo "| $count | $first | $opened |"
}

# bench_invalidation_under_load : wrk on a HIT of 3.jpg for DURATION while its source is invalidated
# every 100 ms; wrk's errors and non-2xx answers (a truncated response is a read error).
bench_invalidation_under_load() {
    start_step Step1Origin --root "$ROOT"; local origin=$PORT
    STEP5_INVALIDATION_TOKEN=bench-token start_step Step5Invalidation --upstream "http://127.0.0.1:$origin" \
        --cache-dir "$WORK/load-cache" --admin-port 0 --min-uses 1
    local proxy=$PORT admin; admin=$(admin_port Step5Invalidation)
    warm "http://127.0.0.1:$proxy/3.jpg" 2
    wrk -t2 -c64 -d"$DURATION" "http://127.0.0.1:$proxy/3.jpg" >"$WORK/wrk-invalidate.out" &
    local load=$! calls=0 failed=0
    while kill -0 "$load" 2>/dev/null; do
        local status; status=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H 'Authorization: Bearer bench-token' \
            "http://127.0.0.1:$admin/invalidate?projectName=bench&latestCommitHash=0000000&urls=/3.jpg")
        calls=$((calls + 1)); [ "$status" = 200 ] || failed=$((failed + 1))
        sleep 0.1
    done
    wait "$load" || true
    local requests errors non2xx
    requests=$(awk '/requests in/ { print $1 }' "$WORK/wrk-invalidate.out")
    errors=$(sed -n 's/.*Socket errors: \(.*\)/\1/p' "$WORK/wrk-invalidate.out"); errors=${errors:-none}
    non2xx=$(sed -n 's/.*Non-2xx or 3xx responses: \([0-9]*\).*/\1/p' "$WORK/wrk-invalidate.out"); non2xx=${non2xx:-0}
    echo
    echo "wrk -t2 -c64 -d$DURATION on 3.jpg while /3.jpg is invalidated every 100 ms"
    echo "| requests | invalidations (failed) | socket errors | non-2xx |"
    echo "|---:|---:|---|---:|"
    echo "| $requests | $calls ($failed) | $errors | $non2xx |"
}

# cold_burst PORT N TARGET : N simultaneous GETs of TARGET; prints "statuses, whole bodies, seconds".
cold_burst() {
    python3 - "$1" "$2" "$3" <<'PY'
import http.client, sys, threading, time
port, count, target = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
barrier = threading.Barrier(count)
results = []
def fetch():
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.connect()
    barrier.wait()
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        body = response.read()
        results.append((response.status, response.getheader("X-Proxy-Cache"), len(body)))
    except OSError as error:  # a reset: a server out of connections
        results.append(("error", type(error).__name__, 0))
start = time.time()
threads = [threading.Thread(target=fetch) for _ in range(count)]
for thread in threads: thread.start()
for thread in threads: thread.join()
statuses = {}
for status, cache, _ in results: statuses[f"{status} {cache}"] = statuses.get(f"{status} {cache}", 0) + 1
whole = sum(1 for _, _, length in results if length == 394582)
print(", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) + f"; {whole}/{count} whole; {time.time() - start:.1f} s")
PY
}

# bench_coalescing : 50 and 500 simultaneous cold requests for 3.jpg through an origin that takes
# a second per answer: how many reach the origin, for Step5Invalidation with and without
# coalescing and for nginx with and without proxy_cache_lock.
bench_coalescing() {
    start_step Step1Origin --root "$ROOT" --delay 1000; local origin=$PORT
    local log=$WORK/Step1Origin.log
    start_step Step5Invalidation --upstream "http://127.0.0.1:$origin" --cache-dir "$WORK/coalesce-cache" --admin-port 0
    local five=$PORT
    cp "$WORK/Step5Invalidation.out" "$WORK/five.out"
    start_step Step5Invalidation --upstream "http://127.0.0.1:$origin" --cache-dir "$WORK/no-coalesce-cache" --admin-port 0 --no-coalesce
    local plain=$PORT
    local location="proxy_pass http://127.0.0.1:$origin;
            add_header X-Proxy-Cache \$upstream_cache_status;
            proxy_cache my_cache;
            proxy_cache_min_uses 2;
            proxy_cache_valid 200 60m;
            proxy_cache_key \$proxy_host\$request_uri;"
    EXTRA_HTTP="proxy_cache_path $WORK/nginx-cache/cache levels=1:2 keys_zone=my_cache:10m;" start_nginx nginx-cache "$location"
    local nginx=$PORT
    EXTRA_HTTP="proxy_cache_path $WORK/nginx-lock/cache levels=1:2 keys_zone=my_cache:10m;" start_nginx nginx-lock "$location
            proxy_cache_lock on;"
    local locked=$PORT
    wait_for "http://127.0.0.1:$nginx/1.jpg"; wait_for "http://127.0.0.1:$locked/1.jpg"
    echo
    echo "Simultaneous cold requests for 3.jpg (394,582 B), the origin taking 1 s per answer: origin requests"
    echo "| clients | server | origin requests | answers |"
    echo "|---:|---|---:|---|"
    local round=0
    for clients in 50 500; do
        for side in "Step5Invalidation:$five" "Step5Invalidation --no-coalesce:$plain" "nginx:$nginx" "nginx proxy_cache_lock on:$locked"; do
            round=$((round + 1))
            local name=${side%:*} port=${side##*:} target="/3.jpg?round=$round" answers
            answers=$(cold_burst "$port" "$clients" "$target")
            sleep 0.5
            printf '| %s | %s | %s | %s |\n' "$clients" "$name" "$(grep -cF "GET $target " "$log" || true)" "$answers"
        done
    done
}

# bench_fleet : three nodes on one redis-server. From the answer to an invalidation sent to node
# A to the moment nodes B and C have applied it (their invalidation counter moved; each then
# answers the image with a MISS), median and worst of 100; and node A's HIT throughput against
# a node without --fleet, alternating rounds.
bench_fleet() {
    command -v redis-server >/dev/null || { echo "bench: redis-server is not installed (apt-get install redis-server)" >&2; exit 1; }
    local redis; redis=$(free_port)
    redis-server --port "$redis" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" >/dev/null 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$redis") 2>/dev/null && break; sleep 0.05; done
    start_step Step1Origin --root "$ROOT"; local origin=$PORT
    local nodes=() admins=()
    for name in a b c; do
        # Each node's output in a file of its own, for its two address lines.
        STEP5_INVALIDATION_TOKEN=bench-token "$BIN/Step5Invalidation" --port 0 --upstream "http://127.0.0.1:$origin" \
            --cache-dir "$WORK/fleet-$name" --admin-port 0 --min-uses 1 --fleet "redis://127.0.0.1:$redis" \
            >"$WORK/node-$name.out" 2>"$WORK/node-$name.log" &
        PIDS+=($!)
        local port="" admin=""
        for _ in $(seq 100); do
            port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$WORK/node-$name.out")
            admin=$(sed -n 's|^admin API on http://127.0.0.1:\([0-9]*\).*|\1|p' "$WORK/node-$name.out")
            [ -n "$port" ] && [ -n "$admin" ] && break
            sleep 0.1
        done
        nodes+=("$port"); admins+=("$admin")
        for _ in $(seq 100); do curl -s "http://127.0.0.1:$admin/metrics" | grep -q '^image_cache_fleet_connected 1' && break; sleep 0.05; done
    done
    start_step Step5Invalidation --upstream "http://127.0.0.1:$origin" --cache-dir "$WORK/alone" --admin-port 0 --min-uses 1
    local alone=$PORT
    python3 - "${nodes[@]}" "${admins[@]}" <<'PY'
import http.client, statistics, sys, time
nodes, admins = [int(p) for p in sys.argv[1:4]], [int(p) for p in sys.argv[4:7]]
def get(port, target, headers={}, method="GET"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, target, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body
def applied(port):
    _, body = get(port, "/metrics")
    for line in body.decode().splitlines():
        if line.startswith("image_cache_invalidations_total "):
            return int(line.split()[1])
    return -1
latencies = []
for round in range(1, 101):
    for node in nodes:
        get(node, "/1.jpg")
    before = [applied(port) for port in admins[1:]]
    response, _ = get(admins[0], f"/invalidate?projectName=bench&latestCommitHash={round:07x}&urls=/1.jpg",
                      {"Authorization": "Bearer bench-token"}, "DELETE")
    assert response.status == 200, response.status
    answered = time.monotonic()
    waiting = set(range(2))
    while waiting:
        for index in list(waiting):
            if applied(admins[1:][index]) > before[index]:
                waiting.discard(index)
        if time.monotonic() - answered > 5:
            raise SystemExit("an invalidation did not reach every node within 5 s")
    latencies.append((time.monotonic() - answered) * 1000)
    for node in nodes:
        assert get(node, "/1.jpg")[0].getheader("X-Proxy-Cache") == "MISS"
print()
print("A fleet of three nodes on one Redis: from the answer on node A to B and C having applied it (ms, 100 invalidations)")
print("| median | worst |")
print("|---:|---:|")
print(f"| {statistics.median(latencies):.1f} ms | {max(latencies):.1f} ms |")
PY
    warm "http://127.0.0.1:${nodes[0]}/1.jpg" 2
    warm "http://127.0.0.1:$alone/1.jpg" 2
    alternate "http://127.0.0.1:${nodes[0]}/1.jpg" "http://127.0.0.1:$alone/1.jpg"
    echo
    echo "HIT of 1.jpg, a node with --fleet vs one without, wrk -t2 -c64 -d$DURATION, median of $ROUNDS alternating rounds, requests/s"
    echo "| with --fleet | without | ratio |"
    echo "|---:|---:|---:|"
    echo "| $A | $B | $(ratio "$A" "$B") |"
}

EXTRA_HTTP=""
case "${1:-all}" in
    origin) bench_origin ;;
    step2) bench_hits Step2NaiveCache ;;
    step3) bench_hits Step3MinUses; bench_memory ;;
    step4) bench_hits Step4Purge --cache-dir "$WORK/step4-cache"; bench_loader ;;
    step5) bench_step5_hits; bench_invalidation; bench_invalidation_under_load; bench_coalescing; bench_fleet ;;
    fleet) bench_fleet ;;
    all) bench_origin; bench_hits Step2NaiveCache; bench_hits Step3MinUses; bench_memory
         bench_hits Step4Purge --cache-dir "$WORK/step4-cache"; bench_loader
         bench_step5_hits; bench_invalidation; bench_invalidation_under_load; bench_coalescing; bench_fleet ;;
    *) echo "usage: scripts/bench.sh [origin|step2|step3|step4|step5|fleet|all]" >&2; exit 2 ;;
esac
