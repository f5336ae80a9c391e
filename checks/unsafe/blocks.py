"""`unsafe/undocumented-block` and `unsafe/documented-block`: every new `unsafe { }` block, parsed
or written inside a macro's tokens, split by whether a `// SAFETY:` comment covers it."""

from __future__ import annotations

import hashlib

from tree_sitter import Node

from checks.context import Hit
from checks.findings import Confidence, Severity, normalize_construct
from checks.rules import Rule
from checks.unsafe.placement import Lines, has_safety_comment, safety_above, search_floor, starts_with_safety_comment

UNDOCUMENTED_BLOCK = Rule(
    id="unsafe/undocumented-block",
    severity=Severity.WARNING,
    confidence=Confidence.HIGH,
    summary="unsafe block without a `// SAFETY:` comment",
    what=(
        "An `unsafe { ... }` block with no comment containing `SAFETY:` (any case, anywhere in a run "
        "of `//` lines, or in a block comment that starts a line) where Clippy looks for one: on the "
        "lines directly above the block; above its enclosing `let`, assignment, expression statement, "
        "`const` or `static` (the walk up stops at `if`/`match` branches, loops and blocks); on its "
        "own line before the block when the block is an argument of a multi-line call or sits on the "
        "line after `let x =`; or as the first thing inside the block. Blank lines and attributes "
        "(multi-line ones too) may sit between the comment and the code. Blocks written inside macro "
        "calls (`vec![unsafe { .. }]`, `println!`, `thread_local!`) and `macro_rules!` bodies are "
        "found by scanning the macro's tokens, with the same line rules."
    ),
    why=(
        "Inside `unsafe` the compiler trusts the author to uphold invariants it cannot check; a wrong "
        "assumption is undefined behaviour (use-after-free, data race, out-of-bounds access). Without "
        "a written argument a reviewer cannot check the assumption, and nobody notices when a later "
        "change breaks it. Rust-for-Linux and many crates enforce these comments with Clippy."
    ),
    limits=(
        "As in Clippy, a comment on the same line (`unsafe { .. } // SAFETY: ..` or "
        "`/* SAFETY: */ unsafe { .. }`) does not count, nor does one separated from the block by code, "
        "one two block levels up, or one above the enclosing `fn`. Blocks produced by proc-macros are "
        "invisible to a source scan."
    ),
    example=(
        "fn first(v: &[u8]) -> u8 {\n"
        "    unsafe { *v.get_unchecked(0) }\n"
        "}"
    ),
    fix=(
        "fn first(v: &[u8]) -> u8 {\n"
        "    assert!(!v.is_empty());\n"
        "    // SAFETY: the assert above guarantees index 0 is in bounds.\n"
        "    unsafe { *v.get_unchecked(0) }\n"
        "}"
    ),
    see_also="Clippy `undocumented_unsafe_blocks`; rustc `unsafe_code`; the Rust reference, \"Unsafety\".",
)

DOCUMENTED_BLOCK = Rule(
    id="unsafe/documented-block",
    severity=Severity.NOTE,
    confidence=Confidence.HIGH,
    summary="new unsafe block (with a SAFETY comment) for a reviewer to check",
    what=(
        "A new `unsafe { ... }` block that does carry a `// SAFETY:` comment, by the placement rules of "
        "`unsafe/undocumented-block`."
    ),
    why=(
        "A SAFETY comment is an argument, not a proof. New unsafe code is where memory bugs enter a "
        "Rust code base (Qin et al., PLDI'20), so a project may want a second person to read every "
        "block and check that its argument holds for all callers and inputs."
    ),
    limits="Reports the block, not the quality of its argument: that is the reviewer's job.",
    example=(
        "fn first(v: &[u8]) -> u8 {\n"
        "    assert!(!v.is_empty());\n"
        "    // SAFETY: the assert above guarantees index 0 is in bounds.\n"
        "    unsafe { *v.get_unchecked(0) }\n"
        "}"
    ),
    fix=(
        "fn first(v: &[u8]) -> u8 {\n"
        "    v[0] // when the bounds check is affordable, no unsafe is needed\n"
        "}"
    ),
    see_also="Clippy `undocumented_unsafe_blocks`, `multiple_unsafe_ops_per_block`.",
)

_DOCUMENTED_MESSAGE = (
    "New `unsafe` block{where}. It has a SAFETY comment; check that the argument holds for every "
    "caller and input, since a wrong one is undefined behaviour the compiler will not catch."
)
_UNDOCUMENTED_MESSAGE = (
    "`unsafe` block{where} without a `// SAFETY:` comment. Inside it the compiler trusts invariants "
    "nobody wrote down, and a broken one is undefined behaviour (use-after-free, data race, "
    "out-of-bounds). Write `// SAFETY: <why this is sound>` on the line above it (Clippy's "
    "`undocumented_unsafe_blocks`)."
)


def block_key(construct: bytes) -> str:
    """Identity of a block's code, shared by its documented and undocumented findings (`relate`)."""
    return hashlib.sha256(normalize_construct(construct)).hexdigest()[:24]


def check_block(block: Node, src: Lines) -> Hit:
    """One parsed `unsafe { }` block, documented or not."""
    return _block_hit(block, None, block.text or b"", has_safety_comment(block, src), "")


def check_macro_block(keyword: Node, body: Node, src: Lines) -> Hit | None:
    """An `unsafe` token followed by a `{ .. }` token tree inside a macro call or definition."""
    if not (body.child_count and body.children[0].type == "{") or _in_attribute(keyword):
        return None
    documented = starts_with_safety_comment(body) or safety_above(
        keyword.start_point.row, src, search_floor(keyword), in_macro=True)
    construct = src.source[keyword.start_byte:body.end_byte]
    return _block_hit(keyword, body, construct, documented, " inside a macro (scanned as tokens)")


def _block_hit(node: Node, end: Node | None, construct: bytes, documented: bool, where: str) -> Hit:
    rule = DOCUMENTED_BLOCK if documented else UNDOCUMENTED_BLOCK
    message = (_DOCUMENTED_MESSAGE if documented else _UNDOCUMENTED_MESSAGE).format(where=where)
    return Hit(rule=rule.id, node=node, message=message, construct=construct, end_node=end,
               extra={"block": block_key(construct)})


def _in_attribute(node: Node) -> bool:
    """`#[cfg_attr(x, unsafe(no_mangle))]` is an unsafe attribute (the ffi family's), not a block."""
    cur = node.parent
    while cur is not None and cur.type == "token_tree":
        cur = cur.parent
    return cur is not None and cur.type in ("attribute", "attribute_item", "inner_attribute_item")
