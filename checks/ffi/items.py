"""Syntax helpers shared by the ffi rules: ABIs, the attributes above an item, symbol attributes.

Facts about tree-sitter-rust 0.24 come from research/detection.md §2.4 and §3.2: attributes are
siblings of the item they decorate, and `unsafe(...)` / `cfg_attr(...)` keep the real attribute
name inside a (possibly nested) token tree.
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from checks.syntax import COMMENT_TYPES, node_text

SYMBOL_ATTRS = frozenset({"no_mangle", "export_name", "link_section"})
"""Attributes that rustc's `unsafe_code` lint counts as unsafe (RFC 3325 makes them `unsafe(..)`)."""
EXPORT_ATTRS = frozenset({"no_mangle", "export_name"})
_BODY_TYPES = frozenset({"block", "declaration_list"})


def abi_of(fn: Node) -> str:
    """The ABI of a `fn` item or signature: `Rust` without `extern`, `C` for a bare `extern`."""
    return explicit_abi(fn) or "Rust"


def explicit_abi(fn: Node) -> str | None:
    """The ABI written on a `fn` (`extern "X"` -> `X`), or None when it has no `extern`."""
    for child in fn.named_children:
        if child.type != "function_modifiers":
            continue
        for mod in child.named_children:
            if mod.type == "extern_modifier":
                return extern_abi(mod)
    return None


def extern_abi(modifier: Node) -> str:
    """`extern "X"` -> `X`; a bare `extern` means the C ABI."""
    for part in modifier.named_children:
        if part.type == "string_literal":
            return node_text(part).strip('"')
    return "C"


def block_abi(block: Node) -> str:
    for child in block.named_children:
        if child.type == "extern_modifier":
            return extern_abi(child)
    return "C"


def is_rust_abi(abi: str) -> bool:
    return abi in ("Rust", "rust-call")


def is_unwind_abi(abi: str) -> bool:
    """`C-unwind`, `system-unwind`, ...: ABIs through which a panic may legally unwind."""
    return abi.endswith("-unwind")


def attributes_above(item: Node) -> list[Node]:
    """The outer `#[...]` attribute items directly above `item` (comments between are skipped)."""
    out: list[Node] = []
    prev = item.prev_named_sibling
    while prev is not None and (prev.type == "attribute_item" or prev.type in COMMENT_TYPES):
        if prev.type == "attribute_item":
            out.append(prev)
        prev = prev.prev_named_sibling
    out.reverse()
    return out


def decorated_item(attr_item: Node) -> Node | None:
    """The item an outer attribute applies to: the next sibling that is not an attribute or comment."""
    nxt = attr_item.next_named_sibling
    while nxt is not None and (nxt.type == "attribute_item" or nxt.type in COMMENT_TYPES):
        nxt = nxt.next_named_sibling
    return nxt


@dataclass(frozen=True)
class SymbolAttr:
    """One symbol attribute found in an attribute item, and how it was spelled."""

    name: str
    """`no_mangle`, `export_name` or `link_section`."""
    wrapped: bool
    """Written inside `unsafe(...)`, the spelling edition 2024 requires (RFC 3325)."""
    value: str = ""
    """The string after `=`, e.g. the exported name or the section."""


def symbol_attrs(attr_item: Node) -> list[SymbolAttr]:
    """Symbol attributes in `#[...]`, including `#[unsafe(..)]` and any `cfg_attr` nesting."""
    attr = next((c for c in attr_item.named_children if c.type == "attribute"), None)
    if attr is None or attr.named_child_count == 0:
        return []
    head = attr.named_children[0]
    name = node_text(head)
    if name in SYMBOL_ATTRS:
        return [SymbolAttr(name, wrapped=False, value=string_after(head))]
    if name in ("unsafe", "cfg_attr"):
        trees = [c for c in attr.named_children if c.type == "token_tree"]
        return [a for tree in trees for a in _in_tokens(tree, wrapped=name == "unsafe")]
    return []


def _in_tokens(tree: Node, wrapped: bool) -> list[SymbolAttr]:
    """Walk a token tree: an `unsafe` token marks the following tree as wrapped."""
    out: list[SymbolAttr] = []
    children = tree.children
    for i, tok in enumerate(children):
        if tok.type == "token_tree":
            after_unsafe = i > 0 and children[i - 1].type == "unsafe"
            out.extend(_in_tokens(tok, wrapped or after_unsafe))
        elif tok.type == "identifier" and node_text(tok) in SYMBOL_ATTRS:
            out.append(SymbolAttr(node_text(tok), wrapped, string_after(tok)))
    return out


def string_after(name: Node) -> str:
    """`name = "value"` -> `value` (empty when no `=` string follows)."""
    eq = name.next_sibling
    val = eq.next_sibling if eq is not None and eq.type == "=" else None
    if val is None or val.type != "string_literal":
        return ""
    return node_text(val).strip('"')


def signature_text(item: Node, source: bytes) -> bytes:
    """An item's text without its body: what a caller or the linker sees."""
    body = next((c for c in item.children if c.type in _BODY_TYPES), None)
    end = body.start_byte if body is not None and item.type == "function_item" else item.end_byte
    return source[item.start_byte:end]


def fn_name(item: Node) -> str:
    name = item.child_by_field_name("name")
    return node_text(name) if name is not None else "?"


def item_label(item: Node) -> str:
    """`fn f` / `static X` for messages."""
    kind = "static" if item.type == "static_item" else "fn"
    return f"{kind} {fn_name(item)}"
