#!/usr/bin/env python3
"""Rewrites every `<!-- code: PATH#anchor -->` block in docs/*.md and docs/solutions/*.md from its source region, and
every `<!-- diff: OLD#anchor NEW#anchor -->` block from the diff of two regions.

For authors after a code change: `swift test --filter DocsTests` reports drift, this script
applies the source's current text (same rules: ANCHOR lines removed, common indentation
stripped; `PATH#` is the whole file). Transcripts are not touched: rerun their commands.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^<!-- code: (?P<path>[^#\s]+)(#(?P<anchor>[\w-]*))? -->$")
DIFF_MARKER = re.compile(r"^<!-- diff: (?P<old>[^#\s]+)(#(?P<old_anchor>[\w-]*))? (?P<new>[^#\s]+)(#(?P<new_anchor>[\w-]*))? -->$")
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


def hunks(old: list[str], new: list[str], context: int = 2) -> list[str]:
    """The same hunks as Tests/DocsTests/UnifiedDiff.swift: a longest-common-subsequence edit
    script, removed lines before added ones within a change, `@@` before each hunk."""
    lengths = [[0] * (len(new) + 1) for _ in range(len(old) + 1)]
    for i in range(len(old) - 1, -1, -1):
        for j in range(len(new) - 1, -1, -1):
            lengths[i][j] = lengths[i + 1][j + 1] + 1 if old[i] == new[j] else max(lengths[i + 1][j], lengths[i][j + 1])
    edits, i, j = [], 0, 0
    while i < len(old) or j < len(new):
        if i < len(old) and j < len(new) and old[i] == new[j]:
            edits.append((" ", old[i])); i += 1; j += 1
        elif j < len(new) and (i == len(old) or lengths[i][j + 1] >= lengths[i + 1][j]):
            edits.append(("+", new[j])); j += 1
        else:
            edits.append(("-", old[i])); i += 1
    ordered, run = [], []
    for edit in edits + [(" ", "")]:
        if edit[0] == " ":
            ordered += [e for e in run if e[0] == "-"] + [e for e in run if e[0] == "+"]
            run = []
            ordered.append(edit)
        else:
            run.append(edit)
    edits = ordered[:-1]
    if all(e[0] == " " for e in edits):
        return []
    shown = [False] * len(edits)
    for index, edit in enumerate(edits):
        if edit[0] != " ":
            for nearby in range(max(0, index - context), min(len(edits), index + context + 1)):
                shown[nearby] = True
    lines, index = [], 0
    while index < len(edits):
        if not shown[index]:
            index += 1
            continue
        lines.append("@@")
        while index < len(edits) and shown[index]:
            lines.append((edits[index][0] + edits[index][1]).rstrip())
            index += 1
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


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
        diff = open_fence is None and DIFF_MARKER.match(lines[i].strip())
        if (match or diff) and i + 1 < len(lines) and lines[i + 1].startswith("```"):
            fence = lines[i + 1]
            close = next(j for j in range(i + 2, len(lines)) if lines[j].startswith("```"))
            if match:
                fresh = region(match["path"], match["anchor"] or "")
            else:
                fresh = hunks(region(diff["old"], diff["old_anchor"] or ""), region(diff["new"], diff["new_anchor"] or ""))
            changed |= lines[i + 2:close] != fresh
            output += [fence, *fresh, lines[close]]
            i = close + 1
            continue
        i += 1
    if changed:
        chapter.write_text("\n".join(output) + "\n")
    return changed


if __name__ == "__main__":
    chapters = [pathlib.Path(p).resolve() for p in sys.argv[1:]] or sorted((ROOT / "docs").glob("*.md")) + sorted((ROOT / "docs" / "solutions").glob("*.md"))
    for chapter in chapters:
        if sync(chapter):
            print(f"updated {chapter.relative_to(ROOT)}")
