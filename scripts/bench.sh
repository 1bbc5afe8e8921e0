#!/usr/bin/env bash
# Throughput side by side, in one run: our steps (release build) against the references.
#
#   scripts/bench.sh            # every scenario
#   scripts/bench.sh origin     # step 1: Step1Origin vs python3 -m http.server vs nginx (static)
#
# Each row is `wrk -t2 -c64 -d10s` against one server and one image; ratios compare rows of the
# same run, because absolute numbers move between runs and machines. Set DURATION=3s for a
# quick look. Needs wrk, nginx and python3 (apt-get install wrk nginx-light).
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
IMAGES=(1.jpg 3.jpg)
ROOT=$PWD/Sources/Step1Origin/SampleImages
WORK=$(mktemp -d /tmp/bench.XXXXXX)
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
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

# start_nginx NAME LOCATION_BODY : one worker, access log on, like nginx-behaviour.md §5.
start_nginx() {
    local name=$1 body=$2 port
    port=$(free_port)
    mkdir -p "$WORK/$name/logs"
    cat >"$WORK/$name/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/$name/nginx.pid;
error_log $WORK/$name/logs/error.log;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log $WORK/$name/logs/access.log;
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

EXTRA_HTTP=""
case "${1:-all}" in
    origin) bench_origin ;;
    all) bench_origin ;;
    *) echo "usage: scripts/bench.sh [origin|all]" >&2; exit 2 ;;
esac
