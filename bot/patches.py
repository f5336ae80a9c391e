"""GitHub's per-file `patch` text: which head lines take an inline comment, and the base text.

A small hunk reader of our own because `checks/diff.py` was not on main when the App was
written; swap to `checks.diff.parse_patch` once it lands. Rebuilding the base version from the
head version and the patch saves one contents call per modified file (bench/WEBHOOK.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_NO_NEWLINE = "\\ No newline at end of file"


class PatchError(ValueError):
    """The patch does not fit the file (truncated, or not for this version)."""


@dataclass(frozen=True)
class PatchLines:
    right: frozenset[int] = field(default_factory=frozenset)
    """Head (RIGHT side) line numbers inside a hunk: added or context lines, where GitHub accepts a comment."""
    added: frozenset[int] = field(default_factory=frozenset)


def parse_patch(patch: str | None) -> PatchLines:
    """The commentable and added head lines of one file's patch (empty when there is no patch)."""
    right: set[int] = set()
    added: set[int] = set()
    new_line = 0
    for line in (patch or "").splitlines():
        m = _HUNK.match(line)
        if m:
            new_line = int(m.group(3))
            continue
        if new_line == 0 or line.startswith("\\"):
            continue
        if line.startswith("+"):
            right.add(new_line)
            added.add(new_line)
            new_line += 1
        elif line.startswith(" ") or line == "":
            right.add(new_line)
            new_line += 1
    return PatchLines(right=frozenset(right), added=frozenset(added))


def base_from_head(head: bytes, patch: str) -> bytes:
    """Undo `patch` on `head`; raises PatchError when a context line does not match the head."""
    head_lines = head.splitlines(keepends=True)
    out: list[bytes] = []
    pos = 0  # index into head_lines of the next line not yet copied
    lines = patch.splitlines()
    for i, line in enumerate(lines):
        m = _HUNK.match(line)
        no_nl = i + 1 < len(lines) and lines[i + 1] == _NO_NEWLINE
        if m:
            start = int(m.group(3)) - (1 if m.group(4) != "0" else 0)
            if start < pos or start > len(head_lines):
                raise PatchError("hunk out of order or beyond the file")
            out.extend(head_lines[pos:start])
            pos = start
        elif line.startswith("-"):
            out.append(line[1:].encode() + (b"" if no_nl else b"\n"))
        elif line.startswith(("+", " ")) or line == "":
            if pos >= len(head_lines) or head_lines[pos].rstrip(b"\r\n") != line[1:].encode():
                raise PatchError(f"line {pos + 1} of the head does not match the patch")
            if not line.startswith("+"):
                out.append(head_lines[pos] if not no_nl else head_lines[pos].rstrip(b"\n"))
            pos += 1
    out.extend(head_lines[pos:])
    return b"".join(out)
