"""Where a `// SAFETY:` comment counts, after Clippy's `undocumented_unsafe_blocks` (detection.md §2.1–2.2).

Clippy judges placement on raw source lines, so this does too: one `Lines` per file, walked upward
from the rows that may carry the comment, with the tree consulted only to skip attributes.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from checks.syntax import COMMENT_TYPES

_SAFETY = re.compile(rb"safety:", re.I)
_LET_EQ_SAFETY = re.compile(rb"=\s*//.*safety:", re.I)
_ATTRIBUTES = frozenset({"attribute_item", "inner_attribute_item"})
_STOP_CLIMB = frozenset({
    "block", "loop_expression", "while_expression", "for_expression", "function_item",
    "declaration_list", "source_file", "token_tree", "match_block", "else_clause",
})
_ATTRIBUTE_STOP = frozenset({"block", "declaration_list", "source_file", "macro_definition"})
_STATEMENTS = frozenset({
    "let_declaration", "expression_statement", "const_item", "static_item", "assignment_expression",
    "compound_assignment_expr",
})
_HEAD_FIELDS = {"if_expression": "condition", "match_expression": "value"}
"""A block in an `if` condition or `match` scrutinee is covered by the statement's comment;
one in a branch or arm is not (Clippy stops its parent walk at branchy expressions)."""


class Lines:
    """The file split into lines once, plus the tree root for attribute look-ups."""

    def __init__(self, source: bytes, root: Node) -> None:
        self.source = source
        self.lines = source.split(b"\n")
        self.root = root

    def stripped(self, row: int) -> bytes:
        return self.lines[row].strip() if 0 <= row < len(self.lines) else b""


def has_safety_comment(node: Node, src: Lines) -> bool:
    """An unsafe block or impl is documented: first inside, above it, or above its statement."""
    if node.type == "unsafe_block" and starts_with_safety_comment(node.named_child(0)):
        return True
    floor = search_floor(node)
    return any(safety_above(row, src, floor) for row in candidate_rows(node))


def starts_with_safety_comment(body: Node | None) -> bool:
    """The leading run of comments inside a block (or macro token tree) says `SAFETY:`."""
    if body is None:
        return False
    for child in body.named_children:
        if child.type not in COMMENT_TYPES:
            return False
        if _SAFETY.search(child.text or b""):
            return True
    return False


def search_floor(node: Node) -> int:
    """Last row the upward walk may not enter: the enclosing fn's body line (a comment above the
    fn never covers blocks inside it), or the `macro_rules!` line; -1 at module level."""
    cur = node.parent
    while cur is not None:
        if cur.type == "function_item":
            body = cur.child_by_field_name("body")
            return body.start_point.row if body is not None else cur.start_point.row
        if cur.type == "macro_definition":
            return cur.start_point.row
        cur = cur.parent
    return -1


def candidate_rows(node: Node) -> list[int]:
    """The node's row, then each enclosing expression's, up to and including the statement."""
    rows = [node.start_point.row]
    prev, cur = node, node.parent
    while cur is not None and cur.type not in _STOP_CLIMB:
        head = _HEAD_FIELDS.get(cur.type)
        if head is not None and cur.child_by_field_name(head) != prev:
            break
        if cur.start_point.row not in rows:
            rows.append(cur.start_point.row)
        if cur.type in _STATEMENTS:
            break
        prev, cur = cur, cur.parent
    return rows


def safety_above(row: int, src: Lines, floor: int, in_macro: bool = False) -> bool:
    """Walk up from `row - 1` over blank lines, attributes and comments; `SAFETY:` in any comment."""
    r = row - 1
    while r > floor:
        line = src.stripped(r)
        if not line:
            r -= 1
        elif line.startswith(b"//"):
            if _SAFETY.search(line):
                return True
            r -= 1
        elif line.endswith(b"*/"):
            start = _block_comment_start(r, src, floor)
            if start is None:
                return False
            if any(_SAFETY.search(src.lines[i]) for i in range(start, r + 1)):
                return True
            r = start - 1
        elif (attr_start := _attribute_start(r, src)) is not None:
            r = attr_start - 1
        else:
            return in_macro and bool(_LET_EQ_SAFETY.search(line))
    return False


def _block_comment_start(end_row: int, src: Lines, floor: int) -> int | None:
    """Row where the block comment ending on `end_row` opens, if it opens at the start of a line."""
    r = end_row
    while r > floor and b"/*" not in src.lines[r]:
        r -= 1
    if r <= floor or not src.stripped(r).startswith(b"/*"):
        return None
    return r


def _attribute_start(row: int, src: Lines) -> int | None:
    """First row of the attribute covering line `row` (multi-line attributes too), if any."""
    line = src.lines[row]
    if line.lstrip().startswith((b"#[", b"#![")):
        return row
    col = len(line) - len(line.lstrip())
    node: Node | None = src.root.named_descendant_for_point_range((row, col), (row, col))
    while node is not None and node.type not in _ATTRIBUTES:
        if node.type in _STATEMENTS or node.type in _ATTRIBUTE_STOP:
            return None
        node = node.parent
    return node.start_point.row if node is not None else None
