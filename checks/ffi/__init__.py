"""The `ffi` family: foreign declarations, functions C can call, and symbol-level attributes.

Implements research/detection.md §3 (forms in the §3.2 table, ERROR-node handling of `safe` from
§2.4). This module is the rule table and the one dispatch: each match goes to the rule modules
`checks/ffi/<rule_name>.py` that can fire on it.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from checks.context import FileContext, Hit
from checks.ffi import (
    exported_symbol,
    extern_declaration,
    extern_fn_definition,
    link_section,
    macro_tokens,
    no_mangle_with_rust_abi,
    panic_in_extern_fn,
    safe_extern_item,
)
from checks.ffi.items import decorated_item, symbol_attrs
from checks.findings import Finding
from checks.options import AnalyzeOptions
from checks.rules import Rule

FAMILY = "ffi"
SCOPE = "match"
"""Every pattern holds the trigger keyword and each match is checked on its own (checks/parse.py)."""

RULES: tuple[Rule, ...] = (
    extern_declaration.RULE,
    safe_extern_item.RULE,
    extern_fn_definition.RULE,
    panic_in_extern_fn.RULE,
    exported_symbol.RULE,
    no_mangle_with_rust_abi.RULE,
    link_section.RULE,
)

# Function-pointer types (`function_type`) and `extern crate` never match these patterns. Inside
# macro token trees the keyword `extern` is an identifier (detection.md §2.4): the last pattern.
QUERY = r"""
(foreign_mod_item) @ffi.block
(function_item (function_modifiers (extern_modifier))) @ffi.extern_fn
(attribute_item
  (attribute . (identifier) @ffi.attr_name
    (#any-of? @ffi.attr_name "no_mangle" "export_name" "link_section" "unsafe" "cfg_attr"))) @ffi.attr
"""
# `extern` inside macro token trees is found by byte search (`_macro_externs`), not by a
# `(token_tree (identifier))` pattern: that one matched every identifier of every macro body
# and cost about 12% of the combined query's traversal.

_TRIGGER = re.compile(rb"\bextern\b|no_mangle|export_name|link_section")
_SYMBOL_TARGETS = frozenset({"function_item", "static_item"})


def trigger(options: AnalyzeOptions) -> re.Pattern[bytes] | None:
    """A file with none of these words has no extern block, foreign-ABI fn or symbol attribute."""
    return _TRIGGER


def check(ctx: FileContext) -> list[Hit]:
    hits: list[Hit] = []
    for match in ctx.matches:
        if "ffi.block" in match:
            block = match["ffi.block"][0]
            hits += extern_declaration.check(ctx, block) + safe_extern_item.check(ctx, block)
        elif "ffi.extern_fn" in match:
            fn = match["ffi.extern_fn"][0]
            hits += extern_fn_definition.check(ctx, fn) + panic_in_extern_fn.check(ctx, fn)
        elif "ffi.attr" in match:
            hits += _check_attribute(ctx, match["ffi.attr"][0])
    for extern in _macro_externs(ctx.source, ctx.tree.root_node):
        hits += macro_tokens.check(ctx, extern)
    return hits


def _macro_externs(source: bytes, root: Node) -> list[Node]:
    """Every `extern` identifier that is a token of a macro body (a child of a `token_tree`)."""
    out = []
    at = source.find(b"extern")
    while at >= 0:
        end = at + len(b"extern")
        if not _is_word_byte(source, at - 1) and not _is_word_byte(source, end):
            node = root.descendant_for_byte_range(at, end)
            if (node is not None and node.type == "identifier" and node.parent is not None
                    and node.parent.type == "token_tree" and node.text == b"extern"):
                out.append(node)
        at = source.find(b"extern", end)
    return out


_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _is_word_byte(source: bytes, i: int) -> bool:
    """`source[i]` is a regex `\\w` byte (`[A-Za-z0-9_]`, as `\\b` sees it); False outside."""
    return 0 <= i < len(source) and source[i] in _WORD_BYTES


def _check_attribute(ctx: FileContext, attr_item: Node) -> list[Hit]:
    """Symbol attributes on a fn or static (not on declarations in an extern block: rustc ignores
    them there)."""
    attrs = symbol_attrs(attr_item)
    target = decorated_item(attr_item) if attrs else None
    if target is None or target.type not in _SYMBOL_TARGETS or _is_foreign_item(target):
        return []
    return (exported_symbol.check(ctx, attr_item, attrs, target)
            + no_mangle_with_rust_abi.check(ctx, attr_item, attrs, target)
            + link_section.check(ctx, attr_item, attrs, target))


def _is_foreign_item(item: Node) -> bool:
    parent = item.parent
    return parent is not None and parent.parent is not None and parent.parent.type == "foreign_mod_item"


def relate(base: list[Finding], head: list[Finding]) -> list[Finding]:
    """One finding per new extern block, one per new declaration in an existing block."""
    return extern_declaration.relate(base, head)
