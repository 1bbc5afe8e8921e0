#!/usr/bin/env bash
# Try a step of the workshop: builds the package, starts the step's servers on free ports, sends
# a few requests (printing each command and what it printed), stops the servers and prints their
# access logs.
#
#   scripts/demo.sh          # the highest step that is built
#   scripts/demo.sh step1    # the origin: headers, the three sample images, a 304
#   scripts/demo.sh step2    # the origin (300 ms slow) behind the naive cache: MISS, then HIT
#   scripts/demo.sh step3    # the same behind the min-uses cache: MISS, MISS, then HIT
#   scripts/demo.sh step4    # the disk cache: MISS, MISS, HIT, the file, a restart, HIT again
#   scripts/demo.sh step5    # invalidation: three variants of 1.jpg and one of 2.jpg cached, one
#                            # call drops 1.jpg's three, the history; a commit in a git repository
#                            # reaching the cache through the CI command; 20 cold requests
#
# SWIFT_BUILD_FLAGS adds arguments to `swift build`, e.g. SWIFT_BUILD_FLAGS='--scratch-path /tmp/b'.
# To add a step: write a demo_stepN function below and add stepN and its executable to STEPS.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step and the executable that marks it as built, in order.
STEPS=(step1:Step1Origin step2:Step2NaiveCache step3:Step3MinUses step4:Step4Purge step5:Step5Invalidation)

WORK=$(mktemp -d /tmp/demo.XXXXXX)
PIDS=()
NAMES=()

# MARK: - Servers

# start NAME ARGS... : starts executable NAME on a free port, sets URL from its `listening on` line.
start() {
    local name=$1; shift
    LAST_ARGUMENTS=("$@")
    # Appended: a server started again (a restart) adds to its logs, and its address line is
    # the one after those already there.
    local before; before=$(grep -c '^listening on ' "$WORK/$name.out" 2>/dev/null || true)
    "$BIN/$name" --port 0 "$@" >>"$WORK/$name.out" 2>>"$WORK/$name.log" &
    PIDS+=($!)
    NAMES+=("$name")
    for _ in $(seq 100); do
        URL=$(sed -n 's|^listening on \(http://[^ ]*\)$|\1|p' "$WORK/$name.out" | sed -n "$((${before:-0} + 1))p")
        if [ -n "$URL" ]; then
            echo "started $name${*:+ $*} --port 0: listening on $URL"
            return 0
        fi
        kill -0 "${PIDS[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    echo "demo: $name did not start; it printed:" >&2
    cat "$WORK/$name.out" "$WORK/$name.log" >&2
    exit 1
}

# stop : SIGTERM to each server we started (by PID), then waits for its graceful shutdown.
stop() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}

cleanup() {
    stop
    rm -rf "$WORK"
}
trap cleanup EXIT

# show COMMAND : prints the command as a shell would show it, then runs it (its output is
# also kept in $WORK/last.out).
show() {
    echo
    echo "\$ $1"
    eval "$1" | tee "$WORK/last.out"
}

# MARK: - The steps

demo_step1() {
    start Step1Origin
    local origin=$URL etag
    show "curl -sI $origin/1.jpg"
    etag=$(tr -d '\r' <"$WORK/last.out" | sed -n 's/^ETag: //p')
    for image in 1.jpg 2.jpg 3.jpg; do
        show "curl -s -o /dev/null -w '%{http_code} %{size_download} bytes\n' $origin/$image"
    done
    echo
    echo "# the same GET, but the client already has the version with ETag $etag:"
    show "curl -s -o /dev/null -w '%{http_code} %{size_download} bytes\n' -H 'If-None-Match: $etag' $origin/1.jpg"
}

demo_step2() {
    start Step1Origin --delay 300
    local origin=$URL
    start Step2NaiveCache --upstream "$origin"
    local proxy=$URL
    echo
    echo "# the origin waits 300 ms before every answer; the proxy remembers what it fetched:"
    for _ in 1 2; do show_cache_status "$proxy/1.jpg"; done
}

demo_step3() {
    start Step1Origin --delay 300
    local origin=$URL
    start Step3MinUses --upstream "$origin"
    local proxy=$URL
    echo
    echo "# the origin waits 300 ms before every answer; the proxy stores /1.jpg only on its"
    echo "# second request (--min-uses 2, like nginx's proxy_cache_min_uses 2), so the third is a HIT:"
    for _ in 1 2 3; do show_cache_status "$proxy/1.jpg"; done
}

demo_step4() {
    start Step1Origin --delay 300
    local origin=$URL
    local cache=$WORK/cache
    start Step4Purge --upstream "$origin" --cache-dir "$cache"
    local proxy=$URL
    echo
    echo "# as step 3: stored on the second request, a HIT on the third; but the entry is a file,"
    echo "# at the md5 of the key 127.0.0.1:PORT/1.jpg, in nginx's format:"
    for _ in 1 2 3; do show_cache_status "$proxy/1.jpg"; done
    show "find $cache -type f"
    echo
    echo "# a restart: the cache loader reads the directory, and the entry is a HIT at once"
    restart_last
    proxy=$URL
    show "grep '^cache: ' $WORK/Step4Purge.out | tail -n 1"
    show_cache_status "$proxy/1.jpg"
}

demo_step5() {
    start Step1Origin --delay 300
    local origin=$URL
    # The admin API's token comes from the environment (or --token-file), never from an argument.
    STEP5_INVALIDATION_TOKEN=demo-token start Step5Invalidation --upstream "$origin" --cache-dir "$WORK/cache" \
        --admin-port 0 --min-uses 1
    local proxy=$URL admin
    admin=$(sed -n 's|^admin API on \(http://[^ ]*\).*|\1|p' "$WORK/Step5Invalidation.out")
    echo
    echo "# three variants of one source image, and another image, each stored on its first request (--min-uses 1):"
    local target
    for target in /1.jpg '/1.jpg?w=100' /%31.jpg /2.jpg; do show_cache_status "$proxy$target"; done
    for target in /1.jpg '/1.jpg?w=100' /%31.jpg /2.jpg; do show_cache_status "$proxy$target"; done
    echo
    echo "# a deploy changed 1.jpg: one call drops every variant of it, and records what it did"
    show "curl -s -X DELETE -H 'Authorization: Bearer demo-token' '$admin/invalidate?projectName=demo&latestCommitHash=3f2a9c1&urls=https://cdn.example/1.jpg'"
    for target in /1.jpg '/1.jpg?w=100' /%31.jpg /2.jpg; do show_cache_status "$proxy$target"; done
    show "curl -s -H 'Authorization: Bearer demo-token' '$admin/lastInvalidation?projectName=demo' | cut -c1-100"
    show "curl -s -o /dev/null -w '%{http_code}\n' '$admin/lastInvalidation?projectName=demo'   # no token"
    if command -v git >/dev/null; then
        echo
        echo "# the site's images in a git repository; the CI command's first run records its HEAD"
        local site=$WORK/site
        git init -q -b main "$site" && mkdir "$site/images" && cp Sources/Step1Origin/SampleImages/1.jpg Sources/Step1Origin/SampleImages/2.jpg "$site/images/"
        git -C "$site" add -A && git -C "$site" -c user.name=CI -c user.email=ci@example.com commit -q -m 'the images'
        for target in /2.jpg '/2.jpg?w=100'; do curl -s -o /dev/null "$proxy$target"; done
        show "STEP5_INVALIDATION_TOKEN=demo-token $BIN/Step5Invalidation invalidate --server $admin --project site --repo $site --under images"
        echo
        echo "# a new 2.jpg is committed; the CI command sends exactly /2.jpg, and its variants go"
        cp Sources/Step1Origin/SampleImages/3.jpg "$site/images/2.jpg"
        git -C "$site" -c user.name=CI -c user.email=ci@example.com commit -q -am 'a new 2.jpg'
        show "STEP5_INVALIDATION_TOKEN=demo-token $BIN/Step5Invalidation invalidate --server $admin --project site --repo $site --under images"
        for target in /2.jpg '/2.jpg?w=100' /1.jpg; do show_cache_status "$proxy$target"; done
    fi
    echo
    echo "# twenty simultaneous requests for an image nobody asked for yet: one reaches the origin"
    show "seq 20 | xargs -P 20 -I{} curl -s -o /dev/null -w '%{http_code} %header{x-proxy-cache}\n' $proxy/3.jpg | sort | uniq -c"
    show "curl -s $admin/metrics | grep -E '^image_cache_(upstream_requests|coalesced_requests)_total'"
}

# restart_last : stops the server started last (SIGTERM) and starts it again with the same arguments.
restart_last() {
    local pid=${PIDS[-1]} name=${NAMES[-1]} arguments=("${LAST_ARGUMENTS[@]}")
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    unset 'PIDS[-1]' 'NAMES[-1]'
    start "$name" "${arguments[@]}"
    # The loader reports once it has read the directory.
    for _ in $(seq 50); do [ "$(grep -c '^cache: ' "$WORK/$name.out")" -ge 2 ] && break; sleep 0.1; done
}

# show_cache_status URL : one GET of URL, showing its status, X-Proxy-Cache and time.
show_cache_status() {
    if curl_has_header_variable; then
        show "curl -s -o /dev/null -w '%{http_code} X-Proxy-Cache=%header{x-proxy-cache} %{time_total}s\n' $1"
    else
        show "curl -s -o /dev/null -D - -w '%{http_code} %{time_total}s\n' $1 | grep -i -e '^x-proxy-cache:' -e '^[0-9]'"
    fi
}

# Whether curl's -w knows %header{NAME} (curl 7.84 and later).
curl_has_header_variable() {
    local version
    version=$(curl --version | awk 'NR == 1 { print $2 }')
    [ "$(printf '%s\n' 7.84.0 "$version" | sort -V | head -n 1)" = 7.84.0 ]
}

# MARK: - Main

BUILT=()
step_names() { local entry; for entry in "${STEPS[@]}"; do echo "${entry%%:*}"; done; }

case "${1:-}" in
    "" ) ;;
    -h|--help) echo "usage: scripts/demo.sh [$(step_names | paste -sd '|')]"; exit 0 ;;
    *) if ! step_names | grep -qx -- "$1"; then
           case "$1" in
               step[0-9]) echo "demo: $1 is not written yet; the steps so far: $(step_names | paste -sd ' ')" >&2 ;;
               *) echo "usage: scripts/demo.sh [$(step_names | paste -sd '|')]" >&2 ;;
           esac
           exit 2
       fi ;;
esac

command -v curl >/dev/null || { echo "demo: curl is not installed (apt-get install curl)" >&2; exit 1; }
echo "==> swift build (debug)"
swift build -q ${SWIFT_BUILD_FLAGS:-}
BIN=$(swift build ${SWIFT_BUILD_FLAGS:-} --show-bin-path)
for entry in "${STEPS[@]}"; do
    if [ -x "$BIN/${entry#*:}" ]; then BUILT+=("${entry%%:*}"); fi
done

[ ${#BUILT[@]} -gt 0 ] || { echo "demo: the build made no step executable" >&2; exit 1; }
STEP=${1:-${BUILT[-1]}}
product=$(printf '%s\n' "${STEPS[@]}" | sed -n "s/^$STEP://p")
if [ ! -x "$BIN/$product" ]; then
    echo "$STEP is not built yet: there is no $product in $BIN"
    exit 0
fi

echo "==> $STEP"
"demo_$STEP"

echo
echo "==> stopping the servers (SIGTERM, graceful)"
stop
for name in "${NAMES[@]}"; do
    echo
    echo "==> access log of $name (standard error)"
    cat "$WORK/$name.log"
done
