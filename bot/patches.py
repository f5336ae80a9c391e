"""Rebuild a file's base version from its head version and GitHub's per-file `patch`.

This saves one contents call per modified file (bench/WEBHOOK.md). Which lines take an inline
comment is `checks.diff.parse_patch`'s job.
"""

from __future__ import annotations

import re

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_NO_NEWLINE = "\\ No newline at end of file"


class PatchError(ValueError):
    """The patch does not fit the file (truncated, or not for this version)."""


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
