#!/usr/bin/env python3
"""Rewrites every `<!-- code: PATH#anchor -->` block in docs/*.md from its source region.

For authors after a code change: `swift test --filter DocsTests` reports drift, this script
applies the source's current text (same rules: ANCHOR lines removed, common indentation
stripped; `PATH#` is the whole file). Transcripts are not touched: rerun their commands.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^<!-- code: (?P<path>[^#\s]+)(#(?P<anchor>[\w-]*))? -->$")
ANCHOR_LINE = re.compile(r"^\s*(//|#) ANCHOR(_END)?: [\w-]+\s*$")


def region(path: str, anchor: str) -> list[str]:
    lines = (ROOT / path).read_text().splitlines()
    if anchor:
        start = next(i for i, l in enumerate(lines) if re.fullmatch(rf"\s*(//|#) ANCHOR: {anchor}\s*", l))
        end = next(i for i, l in enumerate(lines) if i > start and re.fullmatch(rf"\s*(//|#) ANCHOR_END: {anchor}\s*", l))
        lines = lines[start + 1:end]
    lines = [l for l in lines if not ANCHOR_LINE.match(l)]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    indent = min((len(l) - len(l.lstrip()) for l in lines if l.strip()), default=0)
    return [l[indent:].rstrip() for l in lines]


def sync(chapter: pathlib.Path) -> bool:
    lines = chapter.read_text().splitlines()
    output, i, changed, open_fence = [], 0, False, None
    while i < len(lines):
        output.append(lines[i])
        fence = re.match(r"^(`{3,})", lines[i])
        if fence:  # markers inside a fenced block (examples) are text, not markers
            if open_fence is None:
                open_fence = fence[1]
            elif fence[1] == open_fence:
                open_fence = None
        match = open_fence is None and MARKER.match(lines[i].strip())
        if match and i + 1 < len(lines) and lines[i + 1].startswith("```"):
            fence = lines[i + 1]
            close = next(j for j in range(i + 2, len(lines)) if lines[j].startswith("```"))
            fresh = region(match["path"], match["anchor"] or "")
            changed |= lines[i + 2:close] != fresh
            output += [fence, *fresh, lines[close]]
            i = close + 1
            continue
        i += 1
    if changed:
        chapter.write_text("\n".join(output) + "\n")
    return changed


if __name__ == "__main__":
    chapters = [pathlib.Path(p).resolve() for p in sys.argv[1:]] or sorted((ROOT / "docs").glob("*.md"))
    for chapter in chapters:
        if sync(chapter):
            print(f"updated {chapter.relative_to(ROOT)}")
