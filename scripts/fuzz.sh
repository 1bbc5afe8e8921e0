#!/usr/bin/env bash
# Builds the libFuzzer targets for the parsers that read bytes from strangers and runs them.
#
#   scripts/fuzz.sh [request-head|response-head|chunked-body|cache-header|all] [SECONDS]   (default: all, 60)
#
# Each target (Fuzz/<Name>/) is compiled with `swiftc -sanitize=fuzzer,address` together with the
# HTTPCore (or NginxCache) files it exercises, as one module, so it can check internal promises too. It starts
# from the committed seeds in Fuzz/Corpus/<target>/ and works in .build-fuzz/, so the seeds stay
# small. A broken promise or a memory error stops the run with a non-zero status and leaves the
# input that caused it in .build-fuzz/artifacts/<target>/; run the target on that file alone to
# reproduce it.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swiftc >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"

target=${1:-all}
seconds=${2:-60}
case "$seconds" in ''|*[!0-9]*) echo "usage: scripts/fuzz.sh [request-head|response-head|chunked-body|cache-header|all] [SECONDS]" >&2; exit 2 ;; esac

# The parsers and the types they use: nothing here touches a socket.
parser_sources=(Parsing/HTTPHeadScanner Parsing/HTTPRequestParser Parsing/HTTPResponseParser Parsing/ChunkedDecoder
                Parsing/HTTPParseError Parsing/HTTPParserLimits Messages/HTTPFields Messages/HTTPRequestHead
                Messages/HTTPRequest Messages/HTTPResponseHead Messages/HTTPMethod Messages/HTTPVersion
                Messages/HTTPStatus Messages/HTTPBodyFraming Messages/ClientAddress Messages/StringProtocol+ASCII)

# The cache file's header and key line: plain bytes, no file system.
cache_sources=(CacheFileHeader.swift CacheKeyLine.swift CacheFileError.swift)

fuzz_one() {
    local name=$1 directory=$2
    local work=.build-fuzz
    local sources=() module=HTTPCore
    if [ "$name" = cache-header ]; then
        module=NginxCache
        sources+=(Sources/NginxCache/Hashing/*.swift "${cache_sources[@]/#/Sources/NginxCache/}")
    else
        for file in "${parser_sources[@]}"; do sources+=("Sources/HTTPCore/$file.swift"); done
        [ "$name" = chunked-body ] || sources+=(Fuzz/Support/*.swift)
    fi
    mkdir -p "$work/corpus/$name" "$work/artifacts/$name"
    echo "==> $name: building"
    swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name "$module" \
        "${sources[@]}" "Fuzz/$directory"/*.swift -o "$work/$name" 2>&1 | grep -v "Cannot export local symbol" || true
    echo "==> $name: fuzzing for ${seconds}s"
    local log="$work/$name.log"
    local status=0
    SWIFT_BACKTRACE=enable=no "$work/$name" -max_total_time="$seconds" -print_final_stats=1 -max_len=4096 \
        -artifact_prefix="$work/artifacts/$name/" "$work/corpus/$name" "Fuzz/Corpus/$name" >"$log" 2>&1 || status=$?
    grep -E "^#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|cov: " "$log" | tail -n 3
    if [ "$status" -ne 0 ]; then
        echo "==> $name FAILED (status $status); the end of its log:" >&2
        tail -n 40 "$log" >&2
        return "$status"
    fi
}

case "$target" in
    request-head) fuzz_one request-head RequestHead ;;
    response-head) fuzz_one response-head ResponseHead ;;
    chunked-body) fuzz_one chunked-body ChunkedBody ;;
    cache-header) fuzz_one cache-header CacheHeader ;;
    all)
        fuzz_one request-head RequestHead
        fuzz_one response-head ResponseHead
        fuzz_one chunked-body ChunkedBody
        fuzz_one cache-header CacheHeader
        ;;
    *) echo "usage: scripts/fuzz.sh [request-head|response-head|chunked-body|cache-header|all] [SECONDS]" >&2; exit 2 ;;
esac
