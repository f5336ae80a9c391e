"""Where each key of a TOML document is written: key path -> line number, for error messages.

`tomllib` gives values but no positions, so this small scanner walks the text once, following
table headers (`[a."b.c"]`, `[[a]]`), dotted and quoted keys, and skipping the insides of
multi-line strings and arrays. It never decides validity (tomllib does); on text it cannot
follow it simply knows fewer lines.
"""

from __future__ import annotations

import re

_BARE = re.compile(r"[A-Za-z0-9_-]+")
Key = tuple[str, ...]


def _parse_key(text: str, i: int) -> tuple[Key, int] | None:
    """A dotted key starting at `text[i]` (after whitespace): its parts and the index after it."""
    parts: list[str] = []
    while True:
        while i < len(text) and text[i] in " \t":
            i += 1
        if i >= len(text):
            return None
        if text[i] in "\"'":
            quote = text[i]
            j, buf = i + 1, []
            while j < len(text) and text[j] != quote:
                if quote == '"' and text[j] == "\\" and j + 1 < len(text):
                    buf.append(text[j:j + 2].encode().decode("unicode_escape"))
                    j += 2
                    continue
                buf.append(text[j])
                j += 1
            if j >= len(text):
                return None
            parts.append("".join(buf))
            i = j + 1
        else:
            m = _BARE.match(text, i)
            if m is None:
                return None
            parts.append(m.group())
            i = m.end()
        while i < len(text) and text[i] in " \t":
            i += 1
        if i < len(text) and text[i] == ".":
            i += 1
            continue
        return tuple(parts), i


class _ValueScanner:
    """Tracks whether the scan is inside a multi-line string or an open array/inline table."""

    def __init__(self) -> None:
        self.depth = 0
        self.open_string: str | None = None

    @property
    def idle(self) -> bool:
        return self.depth == 0 and self.open_string is None

    def feed(self, line: str, i: int = 0) -> None:
        while i < len(line):
            if self.open_string is not None:
                end = line.find(self.open_string, i)
                if end < 0:
                    return
                i, self.open_string = end + 3, None
                continue
            ch = line[i]
            if line.startswith(('"""', "'''"), i):
                self.open_string, i = line[i:i + 3], i + 3
            elif ch in "\"'":
                i = self._skip_string(line, i)
            elif ch == "#":
                return
            else:
                self.depth += (ch in "[{") - (ch in "]}")
                i += 1

    @staticmethod
    def _skip_string(line: str, i: int) -> int:
        quote, j = line[i], i + 1
        while j < len(line) and line[j] != quote:
            j += 2 if quote == '"' and line[j] == "\\" else 1
        return j + 1


def key_lines(text: str) -> dict[Key, int]:
    """Every table header and key in `text` -> the 1-based line where it is first written."""
    out: dict[Key, int] = {}
    table: Key = ()
    value = _ValueScanner()
    for number, line in enumerate(text.splitlines(), start=1):
        if not value.idle:
            value.feed(line)
            continue
        stripped = line.lstrip()
        start = len(line) - len(stripped)
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            opening = 2 if stripped.startswith("[[") else 1
            parsed = _parse_key(line, start + opening)
            if parsed is not None:
                table = parsed[0]
                out.setdefault(table, number)
            continue
        parsed = _parse_key(line, start)
        if parsed is None:
            continue
        key, i = parsed
        for n in range(1, len(key) + 1):
            out.setdefault(table + key[:n], number)
        equals = line.find("=", i)
        if equals >= 0:
            value.feed(line, equals + 1)
    return out


def line_of(lines: dict[Key, int], key: Key) -> int | None:
    """The line of `key`, or of its nearest written ancestor (keys inside an inline table)."""
    for n in range(len(key), 0, -1):
        if key[:n] in lines:
            return lines[key[:n]]
    return None
