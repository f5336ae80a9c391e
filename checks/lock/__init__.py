"""The `lock` family: double locks, lock-order inversions and guards held across `.await`.

Implements research/detection.md §5. The query finds zero-argument lock calls; each function
holding one is walked once (`acquire.scan_function`), guard lifetimes follow the edition's
temporary-scope rules (`lifetime`), locks are identified by normalised receiver (`identity`),
and same-file callees are followed three calls deep with their locks rebased onto the caller (`held`);
lock calls inside expression macros are read from the token tree (`macros`). One module per rule.
"""

from __future__ import annotations

import re
from functools import cache

from tree_sitter import Node

from checks.context import FileContext, Hit
from checks.lock import double_lock, guard_across_await, lock_order_inversion, nested_lock
from checks.lock.acquire import BUILTIN_METHODS
from checks.lock.held import FileLocks, Taken, getter_lock
from checks.options import AnalyzeOptions
from checks.rules import Rule

FAMILY = "lock"
SCOPE = "item"
"""The query only has to find the lock calls, and each lies in the item unit of its own trigger match.

Callees, guard getters and their callers are resolved across the whole file without the query: by
byte search for `fn name` and for calls, then `descendant_for_byte_range` (`held.FileLocks`).
"""

RULES: tuple[Rule, ...] = (
    double_lock.RULE,
    lock_order_inversion.RULE,
    guard_across_await.RULE,
    nested_lock.RULE,
)

QUERY = r"""
(call_expression
  function: (field_expression field: (field_identifier) @lock.method)
  arguments: (arguments) @lock.args
  (#match? @lock.method "^(lock|read|write|try_lock|upgradable_read|read_recursive)$")) @lock.call
"""


def trigger(options: AnalyzeOptions) -> re.Pattern[bytes] | None:
    """Files with no zero-argument lock call (built-in or configured) cannot produce a finding."""
    return lock_call_pattern(options.lock_methods)


@cache
def lock_call_pattern(configured: tuple[str, ...]) -> re.Pattern[bytes]:
    """`.name()` (whitespace allowed) for the built-in lock methods and the configured ones."""
    names = "|".join(re.escape(n) for n in (*BUILTIN_METHODS, *configured))
    return re.compile(rb"\.\s*(?:" + names.encode() + rb")\s*\(\s*\)")


def check(ctx: FileContext) -> list[Hit]:
    methods = frozenset((*BUILTIN_METHODS, *ctx.options.lock_methods))
    locks = FileLocks(ctx.source, ctx.tree.root_node, ctx.edition, methods, ctx.options.lock_methods)
    hits: list[Hit] = []
    taken: list[Taken] = []
    for fn in _with_getter_callers(ctx, locks, _functions_with_lock_calls(ctx)):
        facts = locks.facts(fn)
        held = locks.taken_while_held(facts)
        taken.extend(held)
        hits.extend(double_lock.check(held, ctx.edition))
        hits.extend(guard_across_await.check(facts))
    order = lock_order_inversion.pairs(taken)
    inverted = lock_order_inversion.inverted(order)
    hits.extend(lock_order_inversion.check(order))
    inverted_pairs = {(t.held.key, t.key) for pair in inverted for t in pair}
    for ring in lock_order_inversion.cycles(order, inverted_pairs):
        inverted_pairs.update((t.held.key, t.key) for t in ring)
    hits.extend(nested_lock.check(order, inverted_pairs))
    return hits


def _functions_with_lock_calls(ctx: FileContext) -> list[Node]:
    """Enclosing `fn` items of the matched lock calls, of lock calls inside macro arguments and of
    calls to configured wrapper methods."""
    calls = [m["lock.call"][0] for m in ctx.matches
             if "lock.call" in m and m["lock.args"][0].named_child_count == 0]
    for found in lock_call_pattern(ctx.options.lock_methods).finditer(ctx.source):
        node = ctx.tree.root_node.descendant_for_byte_range(found.start(), found.end())
        if node is not None and (node.type == "token_tree" or ctx.options.lock_methods):
            calls.append(node)
    return _enclosing_fns(calls)


def _with_getter_callers(ctx: FileContext, locks: FileLocks, fns: list[Node]) -> list[Node]:
    """`fns` plus the functions that call one of them returning a lock guard (`fn state(&self) -> MutexGuard`)."""
    getters = {(n.text or b"").decode() for f in fns if getter_lock(f, locks.base_facts(f)) is not None
               and (n := f.child_by_field_name("name")) is not None}
    if not getters:
        return fns
    pattern = rb"\b(?:" + "|".join(re.escape(g) for g in sorted(getters)).encode() + rb")\s*\("
    calls = [node for found in re.finditer(pattern, ctx.source)
             if (node := ctx.tree.root_node.descendant_for_byte_range(found.start(), found.end())) is not None]
    return _enclosing_fns([*fns, *calls])


def _enclosing_fns(nodes: list[Node]) -> list[Node]:
    fns: dict[int, Node] = {}
    for node in nodes:
        fn = node if node.type == "function_item" else _outermost_fn(node)
        if fn is not None:
            fns.setdefault(fn.id, fn)
    return sorted(fns.values(), key=lambda n: n.start_byte)


def _outermost_fn(node: Node) -> Node | None:
    """The innermost `fn` item around `node` (closures belong to their function)."""
    p = node.parent
    while p is not None and p.type != "function_item":
        p = p.parent
    return p
