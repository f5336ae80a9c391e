"""Extern blocks and foreign-ABI fns written inside macro bodies (`cfg_if!`, `macro_rules!`).

tree-sitter-rust leaves macro arguments and bodies as token trees (detection.md §2.4), where the
keyword `extern` is a plain identifier. This scans the tokens around it, so libc-style code that
wraps every extern block in `cfg_if!` is not invisible. Findings here have medium confidence.
"""

from __future__ import annotations

from tree_sitter import Node

from checks.context import FileContext, Hit
from checks.ffi import exported_symbol, extern_declaration, extern_fn_definition
from checks.ffi.items import EXPORT_ATTRS, is_rust_abi
from checks.findings import Confidence, normalize_construct
from checks.syntax import node_text

_MODIFIER_TOKENS = frozenset({"pub", "unsafe", "const", "async"})
_NAME_TOKENS = frozenset({"identifier", "metavariable"})
"""A fn name in tokens: `fn cb` in `cfg_if!`, `fn $name` in a `macro_rules!` body."""
_NOTE = (
    " It sits inside a macro body, which is read as tokens, not parsed: the declaration boundaries "
    "are approximate."
)


def check(ctx: FileContext, extern: Node) -> list[Hit]:
    """`extern` [ABI] `{...}` -> a foreign block; `extern` [ABI] `fn name` -> a definition."""
    abi_node = extern.next_sibling
    abi = node_text(abi_node).strip('"') if abi_node is not None and abi_node.type == "string_literal" else "C"
    after = abi_node if abi_node is not None and abi_node.type == "string_literal" else extern
    nxt = after.next_sibling
    if nxt is None:
        return []
    if nxt.type == "token_tree" and _opens_with(nxt, "{"):
        ctx.notes["extern"] = ctx.notes.get("extern", 0) + 1
        return [_block_hit(ctx, extern, nxt, abi)]
    name = nxt.next_sibling
    if nxt.type == "fn" and name is not None and name.type in _NAME_TOKENS and not is_rust_abi(abi):
        ctx.notes["extern"] = ctx.notes.get("extern", 0) + 1
        return [_fn_hit(ctx, extern, name, abi)]
    return []  # `extern crate`, fn-pointer types `extern "C" fn(..)`, `extern "Rust" fn`


def _block_hit(ctx: FileContext, extern: Node, body: Node, abi: str) -> Hit:
    count = sum(1 for t in body.children if t.type in ("fn", "static"))
    construct = normalize_construct(ctx.source[extern.start_byte:body.end_byte])
    message = (
        f"New `extern \"{abi}\"` block declaring {count} foreign item{'s' if count != 1 else ''} inside a "
        "macro body. Rust cannot check these declarations against the C side: a wrong parameter, return "
        "or static type is undefined behaviour at every call (`improper_ctypes` only catches types with "
        "no C layout). Check each one against the header or generate them with bindgen." + _NOTE
    )
    return Hit(extern_declaration.ID, extern, message, construct=construct, confidence=Confidence.MEDIUM,
               end_node=body)


def _fn_hit(ctx: FileContext, extern: Node, name: Node, abi: str) -> Hit:
    attrs = _attribute_trees_before(extern)
    exported = [a for a in attrs if _names_in(a) & EXPORT_ATTRS]
    signature_end = _signature_end(name)
    construct = normalize_construct(ctx.source[(attrs[0] if attrs else extern).start_byte:signature_end])
    fn = node_text(name)
    if exported:
        message = (
            f"An export attribute gives `extern \"{abi}\" fn {fn}` a global symbol name, which can collide "
            "with another crate's or a C library's (rust-lang/rust#28179, RFC 3325); C calls it with "
            "unchecked arguments and a panic must not escape it. Prefix the name per crate and check the "
            "signature against the C prototype." + _NOTE
        )
        return Hit(exported_symbol.ID, exported[0], message, construct=construct, confidence=Confidence.MEDIUM)
    message = (
        f"`extern \"{abi}\" fn {fn}` is meant to be called from C, which passes unchecked arguments; "
        "parameter types must be FFI-safe (`improper_ctypes_definitions`) and a panic escaping it aborts "
        "the process (Rust 1.81+). Validate pointers and catch panics with `std::panic::catch_unwind`."
        + _NOTE
    )
    return Hit(extern_fn_definition.ID, extern, message, construct=construct, confidence=Confidence.MEDIUM)


def _attribute_trees_before(extern: Node) -> list[Node]:
    """The `#[...]` token trees before `pub unsafe extern`, nearest last."""
    prev = extern.prev_sibling
    while prev is not None and (node_text(prev) in _MODIFIER_TOKENS or
                                (prev.type == "token_tree" and _opens_with(prev, "("))):
        prev = prev.prev_sibling
    out: list[Node] = []
    while prev is not None and prev.type == "token_tree" and _opens_with(prev, "["):
        hash_tok = prev.prev_sibling
        if hash_tok is None or hash_tok.type != "#":
            break
        out.append(prev)
        prev = hash_tok.prev_sibling
    out.reverse()
    return out


def _names_in(tree: Node) -> set[str]:
    """Identifiers anywhere in a token tree (attribute names such as `no_mangle`)."""
    names: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.type == "identifier":
            names.add(node_text(node))
        stack.extend(node.children)
    return names


def _signature_end(name: Node) -> int:
    """End of `fn name(args) -> Ret`: just before the body's `{` token tree."""
    cur = name.next_sibling
    end = name.end_byte
    while cur is not None and not (cur.type == "token_tree" and _opens_with(cur, "{")) and cur.type != ";":
        end = cur.end_byte
        cur = cur.next_sibling
    return end


def _opens_with(tree: Node, bracket: str) -> bool:
    return tree.child_count > 0 and tree.children[0].type == bracket
