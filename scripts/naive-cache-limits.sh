#!/usr/bin/env bash
# The four limits of step 2's naive cache, shown with numbers (chapter 2, "Limits of this step"):
#
#   (a) memory grows with every distinct URL, and never shrinks;
#   (b) one-hit wonders are stored: URLs asked for once take as much room as popular ones;
#   (c) nothing ever expires: the origin changes a file, the proxy keeps serving the old one;
#   (d) a burst of cold requests for one URL all reach the origin (no request coalescing).
#
#   scripts/naive-cache-limits.sh
#
# It builds the release products, starts its own Step1Origin and Step2NaiveCache on free ports
# on 127.0.0.1 (and stops them, by PID, when it ends), and takes about ten seconds once built.
# SWIFT_BUILD_FLAGS adds arguments to `swift build`, e.g. SWIFT_BUILD_FLAGS='--scratch-path /tmp/b'.
# Needs curl, python3 and md5sum. Memory numbers vary from run to run; their growth does not.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in curl python3 md5sum; do
    command -v "$tool" >/dev/null || { echo "limits: $tool is not installed" >&2; exit 1; }
done

# shellcheck disable=SC2086  # SWIFT_BUILD_FLAGS is a list of arguments
swift build -c release ${SWIFT_BUILD_FLAGS:-} >&2
# shellcheck disable=SC2086
BIN=$(swift build -c release ${SWIFT_BUILD_FLAGS:-} --show-bin-path)

WORK=$(mktemp -d /tmp/naive-cache-limits.XXXXXX)
PIDS=()

# Stop every server this script started (only those, by PID) and remove the work directory.
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# start LABEL EXECUTABLE ARGS... : starts EXECUTABLE on a free port (--port 0), its stdout in
# $WORK/LABEL.out and its access log (stderr) in $WORK/LABEL.log; sets PORT from its
# `listening on http://127.0.0.1:PORT` line and PID to its process id.
start() {
    local label=$1 name=$2; shift 2
    "$BIN/$name" --port 0 "$@" >"$WORK/$label.out" 2>"$WORK/$label.log" &
    PID=$!
    PIDS+=("$PID")
    for _ in $(seq 100); do
        PORT=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$WORK/$label.out")
        [ -n "$PORT" ] && return 0
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "limits: $name did not start; it printed:" >&2
    cat "$WORK/$label.out" "$WORK/$label.log" >&2
    exit 1
}

# origin_requests LABEL PATTERN : how many requests in LABEL's access log match PATTERN.
# The access log line is written just after the answer, so give the last one a moment.
origin_requests() {
    sleep 0.2
    grep -c -- "$2" "$WORK/$1.log" || true
}

# md5 URL : the md5 of the body at URL.
md5() { curl -fsS "$1" | md5sum | cut -d' ' -f1; }

# The origin serves a copy of the sample images, so that (c) can change a file safely.
ROOT=$WORK/images
mkdir -p "$ROOT"
cp Sources/Step1Origin/SampleImages/{1,2,3}.jpg "$ROOT"/

start origin Step1Origin --root "$ROOT"
ORIGIN=$PORT
start proxy Step2NaiveCache --upstream "http://127.0.0.1:$ORIGIN"
PROXY=$PORT
PROXY_PID=$PID
echo "origin: Step1Origin on 127.0.0.1:$ORIGIN, proxy: Step2NaiveCache on 127.0.0.1:$PROXY (pid $PROXY_PID)"

# MARK: - (a) Memory grows with every distinct URL

# 2.jpg (62,440 bytes) under 5,000 different queries: 5,000 different keys, because the key is
# $proxy_host$request_uri, query included. One keep-alive connection, so it takes seconds, not
# minutes. The proxy's resident memory (VmRSS, from /proc) is printed every 1,000 URLs.
echo
echo "== (a) memory grows with every distinct URL: GET /2.jpg?v=1 ... /2.jpg?v=5000 (62,440 bytes each)"
python3 - "$PROXY" "$PROXY_PID" <<'PY'
import http.client, sys

port, pid = int(sys.argv[1]), sys.argv[2]

def rss_bytes():
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024  # the kernel counts in KiB

connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
first = rss_bytes()
print(f"{'URLs stored':>12} {'proxy VmRSS':>12} {'growth per URL':>15}")
print(f"{0:>12} {first / 1e6:>9.1f} MB")
for n in range(1, 5001):
    connection.request("GET", f"/2.jpg?v={n}")
    response = connection.getresponse()
    body = response.read()
    assert response.status == 200 and len(body) == 62440, (n, response.status, len(body))
    assert response.getheader("X-Proxy-Cache") == "MISS", (n, response.getheader("X-Proxy-Cache"))
    if n % 1000 == 0:
        rss = rss_bytes()
        print(f"{n:>12} {rss / 1e6:>9.1f} MB {(rss - first) / n / 1e3:>12.1f} KB")
PY

# MARK: - (b) One-hit wonders are stored

# Each of those 5,000 URLs reached the origin exactly once and was never asked for again, yet
# every one is kept: the very first is still a HIT after 4,999 others.
echo
echo "== (b) one-hit wonders are stored"
echo "distinct URLs requested once each:   5000"
echo "origin requests for /2.jpg?v=...:    $(origin_requests origin 'GET /2.jpg?v=')"
echo "bodies kept for them: 5000 x 62,440 B = $((5000 * 62440 / 1000000)) MB"
echo "GET /2.jpg?v=1 again: $(curl -fsS -o /dev/null -w 'X-Proxy-Cache: %header{x-proxy-cache}' "http://127.0.0.1:$PROXY/2.jpg?v=1")" \
     "(the first one stored, still there)"

# MARK: - (c) Nothing ever expires

# The proxy stores 1.jpg; then the file changes at the origin (1.jpg gets 2.jpg's bytes). The
# origin serves the new picture at once; the proxy serves the old one for as long as it runs.
echo
echo "== (c) nothing ever expires: 1.jpg changes at the origin after the proxy stored it"
# show LABEL PORT : one GET of /1.jpg at PORT: the md5 and length of its body, and its X-Proxy-Cache.
show() {
    local cache
    cache=$(curl -fsS -o "$WORK/body" -w '%header{x-proxy-cache}' "http://127.0.0.1:$2/1.jpg")
    printf '%-17s md5 %s  %6d bytes%s\n' "$1" "$(md5sum <"$WORK/body" | cut -d' ' -f1)" \
        "$(wc -c <"$WORK/body")" "${cache:+  X-Proxy-Cache: $cache}"
}
echo "the sample 1.jpg: md5 $(md5sum <"$ROOT/1.jpg" | cut -d' ' -f1)"
echo "the sample 2.jpg: md5 $(md5sum <"$ROOT/2.jpg" | cut -d' ' -f1)"
show "before, origin:" "$ORIGIN"
show "before, proxy:" "$PROXY"
cp "$ROOT/2.jpg" "$ROOT/1.jpg.new" && mv "$ROOT/1.jpg.new" "$ROOT/1.jpg"
echo "(1.jpg at the origin now has 2.jpg's bytes)"
show "after, origin:" "$ORIGIN"
show "after, proxy:" "$PROXY"

# MARK: - (d) A burst of cold requests all reach the origin

# A fresh pair: an origin that takes 500 ms per answer, and an empty proxy. 20 clients ask for
# the same uncached URL at once; the naive cache sends every one of them upstream, because the
# entry exists only after the first answer is complete.
echo
echo "== (d) a burst of cold requests all reach the origin: 20 GETs of /3.jpg at once, origin --delay 500"
start slow-origin Step1Origin --root "$ROOT" --delay 500
SLOW_ORIGIN=$PORT
start slow-proxy Step2NaiveCache --upstream "http://127.0.0.1:$SLOW_ORIGIN"
SLOW_PROXY=$PORT
started=$(date +%s%N)
seq 20 | xargs -P 20 -I{} curl -fsS -o /dev/null -w '%header{x-proxy-cache}\n' \
    "http://127.0.0.1:$SLOW_PROXY/3.jpg" >"$WORK/burst.txt"
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
echo "answers: $(sort "$WORK/burst.txt" | uniq -c | awk '{ printf "%s %s ", $1, $2 }')(all 20 in ${elapsed_ms} ms)"
echo "origin requests for /3.jpg:  $(origin_requests slow-origin 'GET /3.jpg ')"
echo "one more GET: $(curl -fsS -o /dev/null -w 'X-Proxy-Cache: %header{x-proxy-cache}' "http://127.0.0.1:$SLOW_PROXY/3.jpg")," \
     "origin requests for /3.jpg: $(origin_requests slow-origin 'GET /3.jpg ')"
