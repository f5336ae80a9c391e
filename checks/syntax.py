"""Small tree-sitter helpers shared by families: enclosing items, names, comments."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

COMMENT_TYPES = frozenset({"line_comment", "block_comment"})
FUNCTION_TYPES = frozenset({"function_item", "closure_expression"})
_WS = re.compile(r"\s+")


def node_text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def ancestors(node: Node) -> Iterator[Node]:
    p = node.parent
    while p is not None:
        yield p
        p = p.parent


def enclosing(node: Node, types: frozenset[str]) -> Node | None:
    for p in ancestors(node):
        if p.type in types:
            return p
    return None


def enclosing_function(node: Node) -> Node | None:
    """The innermost `fn` item around `node` (closures are part of their function)."""
    return enclosing(node, frozenset({"function_item"}))


def _name_of(node: Node) -> str | None:
    t = node.type
    if t in ("function_item", "mod_item", "trait_item", "struct_item", "enum_item", "union_item",
             "const_item", "static_item", "macro_definition", "function_signature_item"):
        name = node.child_by_field_name("name")
        return node_text(name) if name is not None else None
    if t == "impl_item":
        ty = node.child_by_field_name("type")
        trait = node.child_by_field_name("trait")
        ty_s = _WS.sub(" ", node_text(ty)) if ty is not None else "?"
        if trait is not None:
            return f"<{ty_s} as {_WS.sub(' ', node_text(trait))}>"
        return ty_s
    return None


def item_path(node: Node, memo: dict[int, str | None] | None = None) -> str:
    """`mod::Type::method` of the items enclosing `node` (and `node` itself if it is an item).

    `memo` (node id -> path, None for no named item yet; nodes of one tree) lets the hits of one
    file share the walk up through common ancestors (the declarations of one extern block).
    """
    memo = {} if memo is None else memo
    chain: list[Node] = []
    cur: Node | None = node
    while cur is not None and cur.id not in memo:
        chain.append(cur)
        cur = cur.parent
    path = memo[cur.id] if cur is not None else None
    for n in reversed(chain):
        name = _name_of(n)
        if name is not None:
            path = name if path is None else f"{path}::{name}"
        memo[n.id] = path
    return path or ""


def is_inside_macro_tokens(node: Node) -> bool:
    return any(p.type == "token_tree" for p in ancestors(node))
