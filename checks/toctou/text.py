"""Source text of an optional node: tree-sitter's field lookups may return None."""

from __future__ import annotations

from tree_sitter import Node


def text_of(node: Node | None) -> str:
    return (node.text or b"").decode("utf-8", "replace") if node is not None else ""
