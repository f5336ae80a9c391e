"""What is locked while a guard is alive: in one function, and through same-file calls two levels deep.

A call `self.f()`, `Self::f()` or `f()` is resolved to the `fn f` items of this file (same
`impl` type for methods); the callee's locks on `self.…` paths and globals count as taken at
the call (lockbud's `inter` toys, research/detection.md §5.2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from checks.lock.acquire import Acquisition, FunctionFacts, Kind, impl_type_of, scan_function
from checks.lock.identity import LockKey, Scope
from checks.lock.lifetime import held_at, method_name

MAX_DEPTH = 2


@dataclass(frozen=True)
class Taken:
    """Lock `key` taken at `site` while the guard of `held` is alive."""

    held: Acquisition
    site: Node
    key: LockKey
    kind: Kind
    method: str
    inner: Node
    """The lock call itself (inside the callee when `via` is not empty)."""
    via: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reach:
    """A lock a callee takes: its key as seen by a `self.f()` caller, and the call chain to it."""

    key: LockKey
    kind: Kind
    method: str
    inner: Node
    via: tuple[str, ...]


class FileLocks:
    """Per-file cache of function facts, callee resolution and callee lock summaries."""

    def __init__(self, source: bytes, root: Node, edition: int, methods: frozenset[str],
                 configured: tuple[str, ...]) -> None:
        self.source, self.root, self.edition = source, root, edition
        self.methods, self.configured = methods, configured
        self._facts: dict[int, FunctionFacts] = {}
        self._fns_named: dict[str, list[Node]] = {}
        self._summary: dict[tuple[int, int], list[Reach]] = {}

    def facts(self, fn: Node) -> FunctionFacts:
        if fn.id not in self._facts:
            self._facts[fn.id] = scan_function(fn, self.source, self.edition, self.methods, self.configured)
        return self._facts[fn.id]

    def taken_while_held(self, facts: FunctionFacts) -> list[Taken]:
        out: list[Taken] = []
        held = [a for a in facts.acquisitions if a.region is not None]
        if not held:
            return out
        resolved = [(c, self.callees(c, facts)) for c in facts.calls]
        resolved = [(c, fns) for c, fns in resolved if fns]
        for a in held:
            assert a.region is not None
            for b in facts.acquisitions:
                if b is not a and held_at(a.region, a.call, b.call, b.order):
                    out.append(Taken(a, b.call, b.key, b.kind, b.method, b.call))
            for call, fns in resolved:
                if held_at(a.region, a.call, call, call.end_byte - 1):
                    out.extend(self._taken_in_callees(a, call, fns))
        return out

    def _taken_in_callees(self, a: Acquisition, call: Node, fns: list[Node]) -> list[Taken]:
        out = []
        name = _callee_name(call)
        for fn in fns:
            for s in self.summary(fn, MAX_DEPTH - 1):
                out.append(Taken(a, call, s.key, s.kind, s.method, s.inner, (name, *s.via)))
        return out

    def summary(self, fn: Node, depth: int) -> list[Reach]:
        """Locks `fn` takes on `self.…`/global paths, directly and (depth > 0) via its callees."""
        cache_key = (fn.id, depth)
        if cache_key in self._summary:
            return self._summary[cache_key]
        self._summary[cache_key] = []
        facts = self.facts(fn)
        out = [Reach(a.key, a.kind, a.method, a.call, ()) for a in facts.acquisitions
               if a.key.scope is not Scope.LOCAL and a.kind is not Kind.TRY and _runs_in(a.call, fn)]
        if depth > 0:
            for call in facts.calls:
                if not _runs_in(call, fn):
                    continue
                for callee in self.callees(call, facts):
                    out.extend(Reach(s.key, s.kind, s.method, s.inner, (_callee_name(call), *s.via))
                               for s in self.summary(callee, depth - 1))
        self._summary[cache_key] = out
        return out

    def callees(self, call: Node, facts: FunctionFacts) -> list[Node]:
        fn = call.child_by_field_name("function")
        if fn is None:
            return []
        if fn.type == "field_expression":
            value = fn.child_by_field_name("value")
            if value is None or value.text != b"self" or not facts.impl_type:
                return []
            return self._named(method_name(call) or "", facts.impl_type)
        if fn.type == "scoped_identifier":
            path, name = fn.child_by_field_name("path"), fn.child_by_field_name("name")
            if path is None or name is None or not facts.impl_type:
                return []
            if path.text != b"Self" and (path.text or b"").decode() != facts.impl_type:
                return []
            return self._named((name.text or b"").decode(), facts.impl_type)
        if fn.type == "identifier":
            return self._named((fn.text or b"").decode(), "")
        return []

    def _named(self, name: str, impl_type: str) -> list[Node]:
        if name not in self._fns_named:
            self._fns_named[name] = self._find_fns(name)
        return [f for f in self._fns_named[name] if impl_type_of(f) == impl_type]

    def _find_fns(self, name: str) -> list[Node]:
        """`fn name` items of this file, found by a byte search instead of a tree walk."""
        out = []
        for m in re.finditer(rb"\bfn\s+" + re.escape(name.encode()) + rb"\b", self.source):
            node = self.root.descendant_for_byte_range(m.start(), m.end())
            while node is not None and node.type != "function_item":
                node = node.parent
            if node is not None and node.child_by_field_name("body") is not None:
                out.append(node)
        return out


def _callee_name(call: Node) -> str:
    fn = call.child_by_field_name("function")
    return re.sub(r"\s+", "", (fn.text or b"").decode()) if fn is not None else "?"


def _runs_in(node: Node, fn: Node) -> bool:
    """Not inside a closure or async block of `fn` that may run later or elsewhere."""
    p = node.parent
    while p is not None and p.id != fn.id:
        if p.type in ("closure_expression", "async_block", "function_item"):
            return False
        p = p.parent
    return True
