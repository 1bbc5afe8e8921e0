#!/usr/bin/env bash
# Checks that the code and command output shown in docs/*.md match the sources and what the
# commands really print (see docs/CONTRIBUTING-docs.md). Extra arguments go to `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec swift test --filter DocsTests "$@"
