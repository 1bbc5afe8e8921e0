#!/usr/bin/env python3
"""Re-runs the `$ ` commands of a chapter's transcript blocks whose command contains TEXT, and
writes their output back into the chapter, for authors after a change that alters output.

    scripts/refresh-transcript.py docs/03-min-uses.md 'git diff --no-index'

Only commands that need no servers are safe to refresh this way (diffs, --help, file listings);
the docs check (`swift test --filter DocsTests`) still judges every block afterwards.
"""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main(chapter: str, text: str) -> int:
    path = ROOT / chapter
    lines = path.read_text().splitlines(keepends=True)
    output, index, refreshed = [], 0, 0
    while index < len(lines):
        line = lines[index]
        output.append(line)
        index += 1
        if not (line.startswith("$ ") and text in line):
            continue
        command = line[2:].rstrip("\n")
        while command.endswith("\\") and index < len(lines):  # a continued command
            output.append(lines[index])
            command = command[:-1] + lines[index].rstrip("\n")
            index += 1
        # Skip the old output: up to the next command or the end of the block.
        while index < len(lines) and not lines[index].startswith("$ ") and not lines[index].startswith("```"):
            index += 1
        result = subprocess.run(["/bin/sh", "-c", command], cwd=ROOT, capture_output=True, text=True)
        printed = (result.stdout + result.stderr).rstrip("\n")
        if printed:
            output.append(printed + "\n")
        refreshed += 1
    path.write_text("".join(output))
    print(f"refreshed {refreshed} command(s) in {chapter}")
    return 0 if refreshed else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
