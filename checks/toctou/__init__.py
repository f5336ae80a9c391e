"""The `toctou` family: filesystem check-then-use races on a path (research/detection.md §4).

One dispatch: the combined query hands over calls whose names can check or use a path; they are
grouped by enclosing `fn`, classified with that function's bindings (`scope.py`), and each rule
module looks for its pair of calls on the same path. Rules run most specific first, and a call
reported as the second half of one race is not reported again by a more general rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from tree_sitter import Node

from checks.context import FileContext, Hit
from checks.options import AnalyzeOptions
from checks.rules import Rule
from checks.syntax import enclosing_function, node_text
from checks.toctou import (
    builders,
    calls,
    check_then_use,
    create_then_chmod,
    remove_then_create,
    symlink_check_then_open,
    wrappers,
)
from checks.toctou.calls import Call
from checks.toctou.function import FnFacts
from checks.toctou.scope import FnScope
from checks.toctou.text import text_of
from checks.toctou.wrappers import NameSpec

FAMILY = "toctou"
SCOPE = "file"
"""Same-file wrappers and path aliases are resolved across items, so the family sees the whole file."""

RULES: tuple[Rule, ...] = (
    check_then_use.RULE,
    create_then_chmod.RULE,
    remove_then_create.RULE,
    symlink_check_then_open.RULE,
)

# Most specific first: each may claim the calls it reports (FnFacts.claimed).
_RULE_ORDER = (symlink_check_then_open.check, remove_then_create.check, create_then_chmod.check,
               check_then_use.check)


def _any_of(names: list[str]) -> str:
    return " ".join(f'"{n}"' for n in names)


_METHODS = sorted(set(calls.CHECK_METHODS) | calls.BUILDER_ENDS)
_BARE = sorted(n for n, s in calls.FUNCTIONS.items() if s.bare)
QUERY = f"""
(call_expression function: (field_expression field: (field_identifier) @toctou.name)
  (#any-of? @toctou.name {_any_of(_METHODS)})) @toctou.call
(call_expression function: (scoped_identifier name: (identifier) @toctou.name)
  (#any-of? @toctou.name {_any_of(sorted(calls.FUNCTIONS))})) @toctou.call
(call_expression function: (identifier) @toctou.name
  (#any-of? @toctou.name {_any_of(_BARE)})) @toctou.call
"""

# A race needs a first half: a check, a create (for chmod; a new `symlink` too) or a remove (for re-create).
_FIRST_HALF = ("exists", "is_file", "is_dir", "is_symlink", "metadata", "file_type", "stat", "access",
               "create", "create_new", "create_dir", "create_dir_all", "mkfifo", "mknod", "remove_file",
               "remove_dir", "remove_dir_all", "unlink", "symlink")


def trigger(options: AnalyzeOptions) -> re.Pattern[bytes] | None:
    """Files with no call that can start a race skip the family."""
    return _trigger(options.toctou_checks)


@cache
def _trigger(extra_checks: tuple[str, ...]) -> re.Pattern[bytes]:
    """`name(` for every first-half name, written as look-behinds after a literal `(`.

    Python's `re` scans fast for a literal but slowly for an alternation of words; anchoring on
    `(` and checking the names behind it costs about a seventh of a word alternation (measured
    on 54 MB of crates).
    """
    names = sorted(set(_FIRST_HALF) | {n for n in extra_checks if n})
    behind = "|".join(f"(?<={re.escape(n)}\\()" for n in names)
    if all(len(n) >= 2 for n in names):
        # the names' last two letters first: passes ~1 `(` in 20 instead of 1 in 2 (0.066 -> 0.036 s)
        ends = "|".join(sorted({re.escape(n[-2:]) for n in names}))
        return re.compile(f"\\((?<=(?:{ends})\\()(?:{behind})".encode())
    last = "".join(sorted({n[-1] for n in names}))
    return re.compile(f"\\((?<=[{re.escape(last)}]\\()(?:{behind})".encode())


def trigger_hit(root: Node, offset: int) -> bool:
    """Does the trigger match at `offset` (the `(` after a first-half name) open a call?

    Every finding needs a first-half call written `name(` (the trigger's premise): directly, or
    inside a same-file wrapper whose body holds one. The same words in a foreign declaration
    (`fn stat(...);` in libc's extern blocks), a `fn` name, a comment or a macro body call nothing,
    and a file holding only those would cost a whole-tree query for no finding.
    """
    node = root.descendant_for_byte_range(offset - 1, offset) if offset > 0 else None
    if node is None or node.type not in ("identifier", "field_identifier"):
        return False
    while node.parent is not None and node.parent.type in ("field_expression", "scoped_identifier"):
        node = node.parent
    call = node.parent
    return call is not None and call.type == "call_expression" and call.child_by_field_name("function") == node


_TEST_DIRS = frozenset({"tests", "benches", "examples"})


def check(ctx: FileContext) -> list[Hit]:
    if _is_test_path(ctx.path):
        return []
    groups = _group(node for m in ctx.matches for node in m.get("toctou.call", ()))
    groups = {fid: group for fid, group in groups.items() if not _is_test_fn(group[0])}
    scopes: dict[int, FnScope] = {}
    classified = {fid: _classify_matched(fn, nodes, scopes) for fid, (fn, nodes) in groups.items()}
    extra = _extra_calls(ctx, groups, classified)
    hits: list[Hit] = []
    for fid, (fn, _) in groups.items():
        found = sorted(classified[fid] + extra.get(fid, []), key=lambda c: c.node.start_byte)
        if _worth_pairing(found) and not _is_test_fn(fn):
            facts = FnFacts(_scope(fn, scopes), _dedupe(found))
            for rule_check in _RULE_ORDER:
                hits.extend(rule_check(facts))
    return hits


def _group(nodes: Iterable[Node]) -> dict[int, tuple[Node, list[Node]]]:
    """Matched calls by enclosing `fn` (closures belong to their fn; calls outside any fn are dropped)."""
    groups: dict[int, tuple[Node, list[Node]]] = {}
    for node in nodes:
        fn = enclosing_function(node)
        if fn is not None:
            groups.setdefault(fn.id, (fn, []))[1].append(node)
    return groups


def _scope(fn: Node, scopes: dict[int, FnScope]) -> FnScope:
    if fn.id not in scopes:
        scopes[fn.id] = FnScope(fn)
    return scopes[fn.id]


def _classify_matched(fn: Node, nodes: list[Node], scopes: dict[int, FnScope]) -> list[Call]:
    out = []
    for node in nodes:
        name, qual, receiver, args = calls.call_parts(node)
        if receiver is not None and name in calls.BUILDER_ENDS:
            found = builders.classify_builder(node, name, receiver, args, _scope(fn, scopes))
        elif receiver is not None:
            found = calls.classify_check_method(node, name, receiver, args)
        else:
            found = calls.classify_function(node, name, qual, args)
        if found is not None:
            out.append(found)
    return out


def _extra_calls(ctx: FileContext, groups: dict[int, tuple[Node, list[Node]]],
                 classified: dict[int, list[Call]]) -> dict[int, list[Call]]:
    """Calls of same-file wrappers and configured names, grouped by function (new groups added)."""
    specs: dict[str, NameSpec] = {}
    for fid, (fn, _) in groups.items():
        if classified[fid] and wrappers.param_names(fn):
            found = wrappers.wrapper_specs(fn, classified[fid])
            if found is not None:
                specs[found[0]] = found[1]
    specs.update(wrappers.configured_specs(ctx.options.toctou_checks, ctx.options.toctou_uses))
    out: dict[int, list[Call]] = {}
    for node, spec in wrappers.find_calls(ctx.source, ctx.tree.root_node, specs):
        owner = enclosing_function(node)
        call = wrappers.classify_named(node, spec, text_of(node.child_by_field_name("function")))
        if owner is None or call is None:
            continue
        if owner.id not in groups:
            groups[owner.id] = (owner, [])
            classified[owner.id] = []
        out.setdefault(owner.id, []).append(call)
    return out


def _worth_pairing(found: list[Call]) -> bool:
    return len(found) >= 2 and any(c.role == calls.USE for c in found)


def _dedupe(found: list[Call]) -> list[Call]:
    """One record per call node; `a.b()?.c()` and `a.b()` start on the same byte but differ."""
    seen: set[tuple[int, int]] = set()
    out = []
    for c in found:
        span = (c.node.start_byte, c.node.end_byte)
        if span not in seen:
            seen.add(span)
            out.append(c)
    return out


def _is_test_path(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    return parts[-1] == "build.rs" or any(p in _TEST_DIRS for p in parts[:-1])


_TEST_ATTR = re.compile(r"#\[\s*(?:\w+::)*test\b|cfg\(\s*test\s*\)")


def _is_test_fn(fn: Node) -> bool:
    """`#[test]`-like functions and everything inside a `#[cfg(test)]` module."""
    cur: Node | None = fn
    while cur is not None:
        if cur.type in ("function_item", "mod_item") and _has_test_attr(cur):
            return True
        cur = cur.parent
    return False


def _has_test_attr(item: Node) -> bool:
    prev = item.prev_sibling
    while prev is not None and prev.type in ("attribute_item", "line_comment", "block_comment"):
        if prev.type == "attribute_item" and _TEST_ATTR.search(node_text(prev)):
            return True
        prev = prev.prev_sibling
    return False
