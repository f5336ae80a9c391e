"""Lock calls inside macro arguments (`assert!(a.read().x == a.read().y)`), read from the token tree.

tree-sitter leaves macro arguments as tokens, so `self.m.lock()` there is a run of tokens:
`self` `.` `m` `.` `lock` `()`. Only expression-like arguments are read (no `;`, `=>`, closure
bars, attributes or brace blocks): there every lock is a temporary of the one expression the macro
expands to, so all of them are held together until the macro's expression ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from checks.lock.lifetime import UNWRAPPERS

_STOP_TOKENS = frozenset({";", "=>", "#", "|"})
_PATH_TOKENS = frozenset({"identifier", "self", "crate", "super"})


@dataclass(frozen=True)
class MacroLock:
    """One zero-argument lock call written inside a macro's arguments."""

    token: Node
    """The method-name token (`lock`, `read`, …): stands for the call in findings."""
    method: str
    receiver: str
    unwrapped: bool
    awaited: bool


def lock_tokens(tree: Node, methods: frozenset[str]) -> list[MacroLock]:
    """Lock calls in the top-level `token_tree` of a macro invocation, when its arguments are an expression."""
    if not _expression_like(tree):
        return []
    out = []
    stack = [tree]
    while stack:
        tt = stack.pop()
        kids = tt.children
        for i, tok in enumerate(kids):
            if tok.type == "token_tree":
                stack.append(tok)
            elif tok.type == "identifier" and i > 1 and kids[i - 1].type == "." and i + 1 < len(kids) \
                    and _text(tok) in methods and _is_empty_parens(kids[i + 1]):
                receiver = _receiver(kids, i - 2)
                if receiver:
                    unwrapped, awaited = _after(kids, i + 2)
                    out.append(MacroLock(tok, _text(tok), receiver, unwrapped, awaited))
    return sorted(out, key=lambda m: m.token.start_byte)


def _expression_like(tree: Node) -> bool:
    stack = list(tree.children)
    while stack:
        tok = stack.pop()
        if tok.type in _STOP_TOKENS:
            return False
        if tok.type == "token_tree":
            if tok.child_count and tok.children[0].type == "{":
                return False
            stack.extend(tok.children)
    return True


def _is_empty_parens(node: Node) -> bool:
    return node.type == "token_tree" and node.child_count == 2 and node.children[0].type == "("


def _receiver(kids: list[Node], j: int) -> str:
    """The path written before the `.` at `j + 1`: `self.a.b`, `A::B`, `x.get(0)`, `v[i]`."""
    parts: list[str] = []
    while j >= 0:
        tok = kids[j]
        if tok.type in _PATH_TOKENS:
            parts.insert(0, _text(tok))
            if j >= 1 and kids[j - 1].type in (".", "::"):
                parts.insert(0, kids[j - 1].type)
                j -= 2
                continue
            break
        if tok.type == "token_tree" and tok.child_count and tok.children[0].type in ("(", "["):
            parts.insert(0, _text(tok))
            j -= 1
            continue
        break
    text = "".join(parts)
    return text if re.match(r"[A-Za-z_]", text) else ""


def _after(kids: list[Node], j: int) -> tuple[bool, bool]:
    """Whether the call at `j - 1` is unwrapped (`?`, `.unwrap()`, `.expect(..)`) and awaited."""
    unwrapped = awaited = False
    while j < len(kids):
        if kids[j].type == "?":
            unwrapped, j = True, j + 1
        elif kids[j].type == "." and j + 1 < len(kids) and _text(kids[j + 1]) == "await":
            awaited, j = True, j + 2
        elif kids[j].type == "." and j + 2 < len(kids) and _text(kids[j + 1]) in UNWRAPPERS \
                and kids[j + 2].type == "token_tree":
            unwrapped, j = True, j + 3
        else:
            break
    return unwrapped, awaited


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")
