"""Facts about one function that path identity needs: `let` bindings, reassignments, builder calls.

Built by one walk of a function body, and only for functions that hold both halves of a race
(research/perf.md: per-function work around matched nodes, never a whole-file walk).
"""

from __future__ import annotations

import re

from tree_sitter import Node

from checks.syntax import node_text
from checks.toctou.paths import is_pure, normalized, strip
from checks.toctou.text import text_of

_NESTED_ITEMS = frozenset({"function_item", "impl_item", "mod_item", "trait_item"})
# Subtrees that hold no binding, assignment, call or condition: not walked.
_OPAQUE = _NESTED_ITEMS | {"token_tree", "string_literal", "raw_string_literal", "attribute_item",
                           "line_comment", "block_comment", "type_arguments", "generic_type", "reference_type",
                           "type_identifier", "primitive_type", "scoped_type_identifier", "identifier",
                           "field_identifier", "integer_literal", "boolean_literal"}
_CONDITION_OWNERS = {"if_expression": "condition", "while_expression": "condition", "match_expression": "value"}
_WORD = re.compile(r"[A-Za-z_]\w*")
_TMP = re.compile(r'temp_dir\s*\(\s*\)|"/(?:var/)?tmp(?:/|")|"/dev/shm')
_MAX_HOPS = 3


class FnScope:
    """Bindings of one `fn` (closures included, nested items excluded)."""

    def __init__(self, fn: Node) -> None:
        self.fn = fn
        self.lets: dict[str, list[tuple[int, Node]]] = {}
        """name -> [(start byte of the binding, bound value)] in source order."""
        self.assigned: dict[str, list[int]] = {}
        self.method_calls: dict[str, list[tuple[str, Node]]] = {}
        """receiver identifier -> [(method name, call node)]: builders set up over several statements."""
        self.conditions: list[Node] = []
        body = fn.child_by_field_name("body")
        if body is not None:
            self._walk(body)

    def _walk(self, body: Node) -> None:
        stack = [body]
        while stack:
            node = stack.pop()
            t = node.type
            if t in _OPAQUE:
                continue
            if t in ("let_declaration", "let_condition"):
                self._bind(node)
            elif t in ("assignment_expression", "compound_assignment_expr"):
                left = node.child_by_field_name("left")
                if left is not None and left.type == "identifier":
                    self.assigned.setdefault(node_text(left), []).append(node.start_byte)
            elif t == "call_expression":
                self._note_method_call(node)
            owner_field = _CONDITION_OWNERS.get(t)
            if owner_field is not None:
                cond = node.child_by_field_name(owner_field)
                if cond is not None:
                    self.conditions.append(cond)
            stack.extend(reversed(node.named_children))

    def _bind(self, node: Node) -> None:
        pattern = node.child_by_field_name("pattern")
        value = node.child_by_field_name("value")
        if pattern is None or value is None:
            return
        for name in pattern_names(pattern):
            self.lets.setdefault(name, []).append((node.start_byte, value))

    def _note_method_call(self, call: Node) -> None:
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "field_expression":
            return
        value = fn.child_by_field_name("value")
        if value is not None and value.type == "identifier":
            self.method_calls.setdefault(node_text(value), []).append(
                (text_of(fn.child_by_field_name("field")), call))

    def binding(self, name: str, before: int) -> tuple[int, Node] | None:
        """The last `let` of `name` that starts before byte `before`."""
        found = None
        for start, value in self.lets.get(name, ()):
            if start < before:
                found = (start, value)
        return found

    def key(self, node: Node, hops: int = 0) -> str | None:
        """A string equal for two expressions that name the same path; None when unknown."""
        node = strip(node)
        if node.type == "identifier":
            return self._ident_key(node, hops)
        if node.type == "self":
            return "self"
        if is_pure(node):
            return normalized(node)
        return None

    def _ident_key(self, node: Node, hops: int) -> str | None:
        name = node_text(node)
        closure = _closure_binding(node, name, self.fn)
        if closure is not None:
            return f"{name}@{closure.start_byte}"
        bound = self.binding(name, node.start_byte)
        if bound is None:
            return name
        start, value = bound
        if hops < _MAX_HOPS and value.start_byte < node.start_byte:
            inner = self.key(value, hops + 1)
            if inner is not None:
                return inner
        return f"{name}@{start}"

    def reassigned_between(self, key: str, start: int, end: int, skip: tuple[int, int] | None = None) -> bool:
        """An identifier the key is made of is assigned between the two calls (outside `skip`)."""
        lo, hi = skip or (0, 0)
        for word in set(_WORD.findall(key.split("@", 1)[0])):
            if any(start < pos < end and not lo <= pos < hi for pos in self.assigned.get(word, ())):
                return True
        return False

    def under_tmp(self, node: Node, hops: int = 0) -> bool:
        """The path expression (through `let` copies) points into a world-writable directory."""
        if _TMP.search(node_text(node)):
            return True
        if hops >= _MAX_HOPS:
            return False
        return any(self.under_tmp(v, hops + 1) for v in self._bound_values(node))

    def _bound_values(self, node: Node) -> list[Node]:
        out = []
        for word in set(_WORD.findall(node_text(node))):
            bound = self.binding(word, node.start_byte)
            if bound is not None and bound[1].start_byte < node.start_byte:
                out.append(bound[1])
        return out

    def expanded_text(self, node: Node) -> str:
        """The node's text plus the text bound to identifiers in it (one hop), and their setters."""
        parts = [node_text(node)]
        parts.extend(node_text(v) for v in self._bound_values(node))
        for word in set(_WORD.findall(node_text(node))):
            parts.extend(node_text(c) for _, c in self.method_calls.get(word, ()))
        return " ".join(parts)


def pattern_names(pattern: Node) -> list[str]:
    """Identifiers a `let` pattern binds (the constructor of `Ok(m)` excluded)."""
    if pattern.type == "identifier":
        return [node_text(pattern)]
    out: list[str] = []
    kids = pattern.named_children
    if pattern.type in ("tuple_struct_pattern", "struct_pattern") and kids:
        kids = kids[1:]
    for kid in kids:
        if kid.type in ("identifier", "tuple_struct_pattern", "tuple_pattern", "mut_pattern", "ref_pattern"):
            out.extend(pattern_names(kid))
    return out


def _closure_binding(node: Node, name: str, fn: Node) -> Node | None:
    cur = node.parent
    while cur is not None and cur != fn:
        if cur.type == "closure_expression":
            params = cur.child_by_field_name("parameters")
            if params is not None and name in _WORD.findall(node_text(params)):
                return cur
        cur = cur.parent
    return None


def key_of(scope: FnScope, node: Node | None) -> str | None:
    if node is None:
        return None
    key = scope.key(node)
    if key is not None and (key.startswith('"') and key.endswith('"')) and len(key) <= 2:
        return None
    return key
