"""The `unsafe` family: new unsafe code, and whether its author wrote down why it is sound.

Implements research/detection.md §2. SAFETY-comment placement follows Clippy's
`undocumented_unsafe_blocks` and `missing_safety_doc` (§2.1–2.2), because that is what Rust authors
already write to. This module is the rule table and the one dispatch; each rule lives in the module
its name points to.
"""

from __future__ import annotations

import re

from checks.context import FileContext, Hit
from checks.options import AnalyzeOptions
from checks.rules import Rule
from checks.unsafe.blocks import DOCUMENTED_BLOCK, UNDOCUMENTED_BLOCK, check_block, check_macro_block
from checks.unsafe.fns import MISSING_SAFETY_DOC, UNSAFE_FN, UNSAFE_TRAIT, check_fn, check_trait
from checks.unsafe.impls import DOCUMENTED_IMPL, SEND_SYNC_IMPL, UNDOCUMENTED_IMPL, check_impl
from checks.unsafe.placement import Lines
from checks.unsafe.removed_comment import REMOVED_SAFETY_COMMENT, relate
from checks.unsafe.static_mut import STATIC_MUT, check_static_mut

FAMILY = "unsafe"
SCOPE = "match"
"""Every pattern holds the trigger keyword and each match is checked on its own (checks/parse.py)."""

RULES: tuple[Rule, ...] = (
    UNDOCUMENTED_BLOCK,        # blocks.py
    DOCUMENTED_BLOCK,          # blocks.py
    REMOVED_SAFETY_COMMENT,    # removed_comment.py (compares base and head: `relate`)
    UNDOCUMENTED_IMPL,         # impls.py
    DOCUMENTED_IMPL,           # impls.py
    SEND_SYNC_IMPL,            # impls.py
    UNSAFE_FN,                 # fns.py
    UNSAFE_TRAIT,              # fns.py
    MISSING_SAFETY_DOC,        # fns.py + safety_doc.py
    STATIC_MUT,                # static_mut.py
)

# Unsafe blocks inside macro calls and `macro_rules!` bodies are token trees, not parsed code
# (detection.md §2.4): an `unsafe` token directly followed by a nested token tree.
QUERY = r"""
(unsafe_block) @unsafe.block
(token_tree "unsafe" @unsafe.macro_keyword . (token_tree) @unsafe.macro_body)
(function_item (function_modifiers "unsafe")) @unsafe.fn
(function_signature_item (function_modifiers "unsafe")) @unsafe.fn
(impl_item "unsafe") @unsafe.impl
(trait_item "unsafe") @unsafe.trait
(static_item (mutable_specifier)) @unsafe.static_mut
"""

_TRIGGER = re.compile(rb"\bunsafe\b|\bstatic\s+mut\b")

__all__ = ["FAMILY", "QUERY", "RULES", "check", "relate", "trigger"]


def trigger(options: AnalyzeOptions) -> re.Pattern[bytes] | None:
    """Files without `unsafe` or `static mut` cannot produce a finding of this family."""
    return _TRIGGER


def check(ctx: FileContext) -> list[Hit]:
    """Hand each match to the rule module that owns its capture."""
    src = Lines(ctx.source, ctx.tree.root_node)
    hits: list[Hit | None] = []
    for match in ctx.matches:
        if "unsafe.macro_keyword" in match:
            hit = check_macro_block(match["unsafe.macro_keyword"][0], match["unsafe.macro_body"][0], src)
            if hit is not None:
                ctx.notes["unsafe"] = ctx.notes.get("unsafe", 0) + 1
            hits.append(hit)
        hits.extend(check_block(n, src) for n in match.get("unsafe.block", ()))
        hits.extend(check_fn(n, ctx.source) for n in match.get("unsafe.fn", ()))
        hits.extend(check_trait(n, ctx.source) for n in match.get("unsafe.trait", ()))
        hits.extend(check_impl(n, src) for n in match.get("unsafe.impl", ()))
        hits.extend(check_static_mut(n, ctx.edition) for n in match.get("unsafe.static_mut", ()))
    return [h for h in hits if h is not None]
