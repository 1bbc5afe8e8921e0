#!/usr/bin/env bash
# Stops every server the chapters start from this checkout, wherever they were started:
#
#   scripts/stop.sh [NAME…]
#
# - the steps, run from this checkout's build directory (`swift run StepN…` or `.build/…/StepN…`);
# - nginx started for a comparison with a prefix under /tmp/nginx-step…;
# - scripts/session-origin.py;
# - chapter 5's Redis, on port 6390.
#
# With NAMEs, only those whose command line contains one of them: `scripts/stop.sh
# Step3MinUses nginx` restarts a comparison's proxies and leaves its origin running.
#
# Each gets SIGTERM, so it finishes what is in flight and exits (the steps exit 0). Waits until
# they have exited (at most ten seconds), so their ports are free when it returns. Prints what it
# stopped, or that nothing was running.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

patterns=(
    "^($root/)?\.build[^ ]*/Step[0-9][A-Za-z]*( |$)"
    "^nginx: .*-p /tmp/nginx-step|^nginx .*-p /tmp/nginx-step|nginx.*-c /tmp/nginx-step[^ ]*/nginx.conf"
    "scripts/session-origin.py"
    "^redis-server [^ ]*:6390( |$)"
)
# Whether the command line $1 contains one of the names that follow it (any, when none is given).
matches() {
    local line=$1 name
    shift
    [ "$#" -eq 0 ] && return 0
    for name in "$@"; do [[ "$line" == *"$name"* ]] && return 0; done
    return 1
}
stopped=()
for pattern in "${patterns[@]}"; do
    while read -r pid command; do
        [ -n "$pid" ] || continue
        [ "$pid" = "$$" ] && continue
        matches "$command" "$@" || continue
        kill -TERM "$pid" 2>/dev/null && { echo "stopped $pid: $command"; stopped+=("$pid"); }
    done < <(pgrep -af -- "$pattern" | grep -v -- "scripts/stop.sh")
done
[ "${#stopped[@]}" -gt 0 ] || { echo "nothing to stop"; exit 0; }
for _ in $(seq 100); do
    running=0
    for pid in "${stopped[@]}"; do kill -0 "$pid" 2>/dev/null && running=1; done
    [ "$running" -eq 0 ] && exit 0
    sleep 0.1
done
for pid in "${stopped[@]}"; do kill -0 "$pid" 2>/dev/null && echo "still running after 10 s: $pid"; done
exit 1
