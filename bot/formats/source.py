"""Source lines and columns for writers: tree-sitter columns are bytes, people and SARIF count characters."""

from __future__ import annotations

from bot.scan import ScanResult
from checks import Finding


def line_bytes(result: ScanResult, path: str, line: int) -> bytes | None:
    """1-based `line` of the head version of `path`, without its line ending."""
    source = result.head_files.get(path)
    if source is None:
        return None
    lines = source.split(b"\n")
    if not 1 <= line <= len(lines):
        return None
    return lines[line - 1].rstrip(b"\r")


def char_column(line: bytes, byte_column: int) -> int:
    """1-based character column of 1-based `byte_column` in `line`."""
    return len(line[: byte_column - 1].decode("utf-8", "replace")) + 1


def utf16_column(line: bytes, byte_column: int) -> int:
    """1-based UTF-16 code-unit column (SARIF's default `columnKind`)."""
    return len(line[: byte_column - 1].decode("utf-8", "replace").encode("utf-16-le")) // 2 + 1


def end_byte_column(finding: Finding, line: bytes) -> int:
    """Where the span ends on the finding's first line (its end, or the end of the line)."""
    if finding.end_line == finding.line and finding.end_column > finding.column:
        return finding.end_column
    return len(line) + 1
