"""The `unsafe` family: new unsafe code, and whether its author wrote down why it is sound.

Implements research/detection.md §2. SAFETY-comment placement follows Clippy's
`undocumented_unsafe_blocks` (§2.1–2.2) because that is what Rust authors already write to.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from checks.context import FileContext, Hit
from checks.findings import Confidence, Severity
from checks.options import AnalyzeOptions
from checks.rules import Rule

FAMILY = "unsafe"

RULES: tuple[Rule, ...] = (
    Rule(
        id="unsafe/undocumented-block",
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="unsafe block without a `// SAFETY:` comment",
        what=(
            "An `unsafe { ... }` block with no `// SAFETY:` comment (any case) on the lines directly "
            "above it, above its enclosing `let`, assignment, `const` or `static` (blank lines and "
            "attributes may sit between), or as the first line inside the block."
        ),
        why=(
            "Inside `unsafe` the compiler trusts the author to uphold invariants it cannot check; "
            "a wrong assumption is undefined behaviour (use-after-free, data race, out-of-bounds). "
            "Without a written argument a reviewer cannot check the assumption, and nobody notices "
            "when a later change breaks it."
        ),
        example="let v = unsafe { *ptr };",
        fix="// SAFETY: `ptr` comes from `Box::into_raw` above and is not freed until `drop`.\n"
            "let v = unsafe { *ptr };",
        limits=(
            "A comment on the same line (before or after the block) does not count, nor does one "
            "separated from the block by code, as in Clippy."
        ),
        see_also="Clippy `undocumented_unsafe_blocks`; rustc `unsafe_code`.",
    ),
    Rule(
        id="unsafe/documented-block",
        severity=Severity.NOTE,
        confidence=Confidence.HIGH,
        summary="new unsafe block (documented) for a reviewer to read",
        what="A new `unsafe { ... }` block that carries a `// SAFETY:` comment.",
        why=(
            "A SAFETY comment is an argument, not a proof. New unsafe code is where memory bugs "
            "enter a Rust code base, so a project may want a second person to read every one."
        ),
        example="// SAFETY: index checked against `len` above.\nlet x = unsafe { *v.get_unchecked(i) };",
        fix="let x = v[i]; // when the bounds check is affordable, no unsafe is needed",
        see_also="Clippy `undocumented_unsafe_blocks`.",
    ),
)

QUERY = r"""
(unsafe_block) @unsafe.block
"""

_TRIGGER = re.compile(rb"\bunsafe\b")


def trigger(options: AnalyzeOptions) -> re.Pattern[bytes] | None:
    """Files without the `unsafe` keyword cannot produce a finding of this family."""
    return _TRIGGER


def check(ctx: FileContext) -> list[Hit]:
    lines = ctx.source.split(b"\n")
    hits: list[Hit] = []
    for match in ctx.matches:
        for block in match.get("unsafe.block", ()):
            hits.append(_undocumented_block(block, lines))
    return hits


def _undocumented_block(block: Node, lines: list[bytes]) -> Hit:
    if has_safety_comment(block, lines):
        return Hit(
            rule="unsafe/documented-block",
            node=block,
            message=(
                "New `unsafe` block. It has a SAFETY comment; a reviewer should check that the "
                "argument holds for every caller and input."
            ),
        )
    return Hit(
        rule="unsafe/undocumented-block",
        node=block,
        message=(
            "`unsafe` block without a `// SAFETY:` comment. Inside it the compiler trusts the "
            "author's invariants, and an unchecked one is undefined behaviour. Write above it "
            "`// SAFETY: <why this is sound>` (Clippy's `undocumented_unsafe_blocks` rule)."
        ),
    )


# --- SAFETY-comment placement (detection.md §2.1–2.2) -----------------------------------------

_SAFETY = re.compile(rb"safety:", re.I)
_STOP_CLIMB = frozenset({
    "block", "if_expression", "match_expression", "loop_expression", "while_expression",
    "for_expression", "function_item", "declaration_list", "source_file",
})
_STATEMENTS = frozenset({
    "let_declaration", "expression_statement", "const_item", "static_item", "assignment_expression",
})


def has_safety_comment(node: Node, lines: list[bytes]) -> bool:
    """Clippy's placement rules: above the node or its enclosing statement, or first inside."""
    if _first_inner_comment_is_safety(node):
        return True
    return any(_safety_above(row, lines) for row in _candidate_rows(node))


def _first_inner_comment_is_safety(node: Node) -> bool:
    body = node.named_child(0) if node.type == "unsafe_block" else node.child_by_field_name("body")
    if body is None or body.named_child_count == 0:
        return False
    first = body.named_child(0)
    return first is not None and first.type in ("line_comment", "block_comment") and bool(
        _SAFETY.search(first.text or b""))


def _candidate_rows(node: Node) -> list[int]:
    """Rows whose lines-above may hold the comment: the node's, then each enclosing expression's
    up to the statement, never past `if`/`match`/loops/blocks (Clippy stops there too)."""
    rows = [node.start_point.row]
    cur = node.parent
    while cur is not None and cur.type not in _STOP_CLIMB:
        if cur.start_point.row not in rows:
            rows.append(cur.start_point.row)
        if cur.type in _STATEMENTS:
            break
        cur = cur.parent
    return rows


def _is_attribute_line(stripped: bytes) -> bool:
    return stripped.startswith((b"#[", b"#!["))


def _safety_above(row: int, lines: list[bytes]) -> bool:
    """Walk up from `row - 1` over blank, attribute and comment lines; SAFETY: in any comment."""
    r = row - 1
    while r >= 0:
        stripped = lines[r].strip()
        if not stripped or _is_attribute_line(stripped):
            r -= 1
            continue
        if stripped.startswith(b"//"):
            if _SAFETY.search(stripped):
                return True
            r -= 1
            continue
        if stripped.endswith(b"*/"):
            start = r
            while start > 0 and b"/*" not in lines[start]:
                start -= 1
            opener = lines[start].strip()
            if not opener.startswith(b"/*"):
                return False
            if any(_SAFETY.search(lines[i]) for i in range(start, r + 1)):
                return True
            r = start - 1
            continue
        return False
    return False
