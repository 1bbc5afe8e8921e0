#!/usr/bin/env bash
# Stops every server the chapters start from this checkout, wherever they were started:
#
#   scripts/stop.sh
#
# - the steps, run from this checkout's build directory (`swift run StepN…` or `.build/…/StepN…`);
# - nginx started for a comparison with a prefix under /tmp/nginx-step…;
# - scripts/session-origin.py;
# - chapter 5's Redis, on port 6390.
#
# Each gets SIGTERM, so it finishes what is in flight and exits (the steps exit 0). Prints what
# it stopped, or that nothing was running.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

patterns=(
    "^($root/)?\.build[^ ]*/Step[0-9][A-Za-z]*( |$)"
    "^nginx: .*-p /tmp/nginx-step|^nginx .*-p /tmp/nginx-step|nginx.*-c /tmp/nginx-step[^ ]*/nginx.conf"
    "scripts/session-origin.py"
    "^redis-server [^ ]*:6390( |$)"
)
stopped=0
for pattern in "${patterns[@]}"; do
    while read -r pid command; do
        [ -n "$pid" ] || continue
        [ "$pid" = "$$" ] && continue
        kill -TERM "$pid" 2>/dev/null && { echo "stopped $pid: $command"; stopped=$((stopped + 1)); }
    done < <(pgrep -af -- "$pattern" | grep -v -- "scripts/stop.sh")
done
[ "$stopped" -gt 0 ] || echo "nothing to stop"
