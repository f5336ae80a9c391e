"""What a family's `check()` receives for one file, and the `Hit` it returns.

Families turn matches into hits; the core (`checks/__init__.py`) turns hits into findings with
lines, item paths and fingerprints, so no family builds an identity by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tree_sitter import Node, Tree

from checks.findings import Confidence, Severity
from checks.options import AnalyzeOptions

Match = dict[str, list[Node]]
"""One query match: capture name (`<family>.<role>`) -> nodes."""


@dataclass
class FileContext:
    path: str
    source: bytes
    tree: Tree
    edition: int
    matches: list[Match]
    """This family's matches only, in document order."""
    options: AnalyzeOptions
    notes: dict[str, int] = field(default_factory=dict)
    """Counters a family reports into coverage (e.g. macro token trees scanned)."""

    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def line_text(self, row: int) -> bytes:
        """The source line at 0-based `row`, without its newline."""
        return line_at(self.source, row)


@dataclass
class Hit:
    """A rule firing at a node; `construct` (default: the node's text) feeds the fingerprint."""

    rule: str
    node: Node
    message: str
    construct: bytes | None = None
    severity: Severity | None = None
    confidence: Confidence | None = None
    end_node: Node | None = None
    """When set, the reported span runs from `node` to `end_node`."""
    extra: Mapping[str, str] = field(default_factory=dict)


def line_at(source: bytes, row: int) -> bytes:
    start = 0
    for _ in range(row):
        nl = source.find(b"\n", start)
        if nl < 0:
            return b""
        start = nl + 1
    end = source.find(b"\n", start)
    return source[start : end if end >= 0 else len(source)].rstrip(b"\r")
