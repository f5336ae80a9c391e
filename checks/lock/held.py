"""What is locked while a guard is alive: in one function, and through same-file calls three levels deep.

A call is resolved to the `fn` items of this file (`callees`): `self.f()` / `Self::f()` / `T::f()`
to methods of that `impl`, `f()` to free functions, and `x.f()` on any other receiver to the one
`impl` of the file that defines a method `f` (a name-based guess, reported at lower confidence).
A callee's locks are rebased onto the caller (`rebase`): its `self.…` paths onto the receiver,
paths rooted at a parameter onto the argument, globals as they are (lockbud's `inter` toys,
research/detection.md §5.2). A method returning a lock guard (`fn state(&self) -> MutexGuard<…>`)
is itself an acquisition at each call (`getters`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from checks.lock.acquire import (
    Acquisition,
    FunctionFacts,
    Kind,
    impl_type_of,
    release_point,
    rwlock_evidence,
    scan_function,
)
from checks.lock.identity import LockKey, Scope, is_place, key_for_text, normalize, split_root
from checks.lock.lifetime import guard_value, held_at, method_name, order_of, region_of

MAX_DEPTH = 3
_NO_GUESS = frozenset({
    "new", "default", "clone", "len", "is_empty", "get", "get_mut", "insert", "remove", "push", "pop", "clear",
    "contains", "contains_key", "iter", "iter_mut", "take", "replace", "set", "next", "send", "recv", "try_recv",
    "poll", "drop", "fmt", "eq", "cmp", "hash", "into", "from", "as_ref", "as_mut", "borrow", "deref", "extend",
    "map", "wait", "notify", "notify_one", "notify_all", "load", "store", "swap", "flush", "close", "shutdown",
    "run", "start", "stop", "reset", "update", "entry", "drain", "retain", "join", "spawn", "wake", "wake_by_ref",
})
"""Method names too common (std collections, channels, traits) to resolve by name alone."""
_GUARD_TYPE = re.compile(rb"Guard\b")


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
    guessed: bool = False
    """Some call on the way was resolved by method name alone."""


@dataclass(frozen=True)
class Reach:
    """A lock a function takes, keyed as seen inside that function, and the call chain to it."""

    key: LockKey
    kind: Kind
    method: str
    inner: Node
    via: tuple[str, ...]
    guessed: bool


class FileLocks:
    """Per-file cache of function facts, callee resolution and callee lock summaries."""

    def __init__(self, source: bytes, root: Node, edition: int, methods: frozenset[str],
                 configured: tuple[str, ...]) -> None:
        self.source, self.root, self.edition = source, root, edition
        self.methods, self.configured = methods, configured
        self._base: dict[int, FunctionFacts] = {}
        self._facts: dict[int, FunctionFacts] = {}
        self._fns_named: dict[str, list[Node]] = {}
        self._fn_offsets: dict[str, list[int]] | None = None
        self._summary: dict[tuple[int, int], list[Reach]] = {}
        self._rw_ok: bool | None = None
        self._callees: dict[tuple[int, str], list[tuple[Node, bool]]] = {}

    def base_facts(self, fn: Node) -> FunctionFacts:
        """Facts of `fn` from its own lock calls only."""
        if fn.id not in self._base:
            if self._rw_ok is None:
                self._rw_ok = rwlock_evidence(self.source)
            self._base[fn.id] = scan_function(fn, self._rw_ok, self.edition, self.methods, self.configured)
        return self._base[fn.id]

    def facts(self, fn: Node) -> FunctionFacts:
        """Facts of `fn`, with calls to same-file guard getters counted as acquisitions."""
        if fn.id not in self._facts:
            facts = self.base_facts(fn)
            self._facts[fn.id] = facts
            facts.acquisitions.extend(self._getter_acquisitions(facts))
            facts.acquisitions.sort(key=lambda a: a.order)
        return self._facts[fn.id]

    def _getter_acquisitions(self, facts: FunctionFacts) -> list[Acquisition]:
        out = []
        for call in facts.calls:
            for callee, _ in self.callees(call, facts):
                # the return type first: walking every callee's body just to learn it is no getter cost 0.1 s
                returned = getter_lock(callee, self.base_facts(callee)) if returns_guard(callee) else None
                key = self.rebase(returned.key, call, callee, facts) if returned is not None else None
                if returned is None or key is None:
                    continue
                guard, _, awaited = guard_value(call)
                region = region_of(call, guard, self.edition)
                if region is not None and region.binding:
                    region.end = release_point(region, facts.releases)
                out.append(Acquisition(call, returned.method, returned.kind, awaited, key, region, order_of(call),
                                       through=f"{_callee_name(call)}()"))
                break
        return out

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
                if b is not a and b.call.id != a.call.id and held_at(a.region, a.call, b.call, b.order):
                    via = (b.through.removesuffix("()"),) if b.through else ()
                    out.append(Taken(a, b.call, b.key, b.kind, b.method, b.call, via))
            for call, fns in resolved:
                if call.id != a.call.id and held_at(a.region, a.call, call, call.end_byte - 1):
                    out.extend(self._taken_in_callees(a, call, fns, facts))
        return out

    def _taken_in_callees(self, a: Acquisition, call: Node, fns: list[tuple[Node, bool]],
                          facts: FunctionFacts) -> list[Taken]:
        out = []
        name = _callee_name(call)
        for fn, guessed in fns:
            for s in self.summary(fn, MAX_DEPTH - 1):
                key = self.rebase(s.key, call, fn, facts)
                if key is not None:
                    out.append(Taken(a, call, key, s.kind, s.method, s.inner, (name, *s.via), guessed or s.guessed))
        return out

    def summary(self, fn: Node, depth: int) -> list[Reach]:
        """Locks `fn` takes on `self`, parameter-rooted and global paths, directly and via callees."""
        cache_key = (fn.id, depth)
        if cache_key in self._summary:
            return self._summary[cache_key]
        self._summary[cache_key] = []
        facts = self.facts(fn)
        params = parameter_names(fn)
        out = [Reach(a.key, a.kind, a.method, a.call, (), False) for a in facts.acquisitions
               if _exported(a.key, params) and a.kind is not Kind.TRY and _runs_in(a.call, fn)]
        if depth > 0:
            for call in facts.calls:
                if _runs_in(call, fn):
                    out.extend(self._reach_through(call, facts, params, depth))
        self._summary[cache_key] = out
        return out

    def _reach_through(self, call: Node, facts: FunctionFacts, params: list[str], depth: int) -> list[Reach]:
        out = []
        for callee, guessed in self.callees(call, facts):
            for s in self.summary(callee, depth - 1):
                key = self.rebase(s.key, call, callee, facts)
                if key is not None and _exported(key, params):
                    out.append(Reach(key, s.kind, s.method, s.inner, (_callee_name(call), *s.via),
                                     guessed or s.guessed))
        return out

    def rebase(self, key: LockKey, call: Node, callee: Node, caller: FunctionFacts) -> LockKey | None:
        """`key` (as seen inside `callee`) as seen by `caller` at `call`; None when it is callee-local."""
        if key.scope is Scope.GLOBAL:
            return key
        root, rest = split_root(key.path)
        base = _argument_for(root, key.scope, call, callee)
        if base is None:
            return None
        path = normalize(base)
        if not is_place(path):
            return None
        return key_for_text(path + rest, caller.aliases, caller.impl_type, caller.node.start_byte)

    def callees(self, call: Node, facts: FunctionFacts) -> list[tuple[Node, bool]]:
        """Same-file `fn` items `call` may run, each with whether it was guessed from the name alone.

        Kept per call: guard getters and held locks both ask for every call of a function.
        """
        key = (call.id, facts.impl_type)
        if key not in self._callees:
            self._callees[key] = self._resolve(call, facts)
        return self._callees[key]

    def _resolve(self, call: Node, facts: FunctionFacts) -> list[tuple[Node, bool]]:
        fn = call.child_by_field_name("function")
        if fn is None:
            return []
        if fn.type == "field_expression":
            value = fn.child_by_field_name("value")
            name = method_name(call) or ""
            if value is None or name in self.methods:
                return []
            if value.text == b"self" and facts.impl_type:
                return [(f, False) for f in self._named(name, facts.impl_type)]
            if name in _NO_GUESS or not is_place(normalize((value.text or b"").decode())):
                return []
            return [(f, True) for f in self._unique_method(name)]
        if fn.type == "scoped_identifier":
            path, last = fn.child_by_field_name("path"), fn.child_by_field_name("name")
            if path is None or last is None:
                return []
            owner = facts.impl_type if path.text == b"Self" else (path.text or b"").decode()
            return [(f, False) for f in self._named((last.text or b"").decode(), owner)] if owner else []
        if fn.type == "identifier":
            return [(f, False) for f in self._named((fn.text or b"").decode(), "")]
        return []

    def _named(self, name: str, impl_type: str) -> list[Node]:
        return [f for f in self._all_named(name) if impl_type_of(f) == impl_type]

    def _unique_method(self, name: str) -> list[Node]:
        """The methods called `name` when exactly one `impl`/trait of the file defines it."""
        fns = [f for f in self._all_named(name) if impl_type_of(f)]
        return fns if len({impl_type_of(f) for f in fns}) == 1 else []

    def _all_named(self, name: str) -> list[Node]:
        if name not in self._fns_named:
            self._fns_named[name] = self._find_fns(name)
        return self._fns_named[name]

    def _find_fns(self, name: str) -> list[Node]:
        """`fn name` items of this file, from one byte scan of the file instead of a tree walk."""
        if self._fn_offsets is None:
            self._fn_offsets = {}
            for m in re.finditer(rb"\bfn\s+([A-Za-z_]\w*)", self.source):
                self._fn_offsets.setdefault(m.group(1).decode(), []).append(m.start(1))
        out = []
        for start in self._fn_offsets.get(name, []):
            node = self.root.descendant_for_byte_range(start, start + len(name))
            while node is not None and node.type != "function_item":
                node = node.parent
            if node is not None and node.child_by_field_name("body") is not None:
                out.append(node)
        return out


def getter_lock(fn: Node, facts: FunctionFacts) -> Acquisition | None:
    """The lock whose guard `fn` returns (`fn state(&self) -> MutexGuard<…> { self.m.lock().unwrap() }`)."""
    if not returns_guard(fn):
        return None
    body = fn.child_by_field_name("body")
    returned = [a for a in facts.acquisitions if a.kind is not Kind.TRY and body is not None and _returned(a, body)]
    return returned[0] if len(returned) == 1 and returned[0].key.scope is not Scope.LOCAL else None


def returns_guard(fn: Node) -> bool:
    """`fn`'s return type names a `...Guard` (what a guard getter returns)."""
    ret = fn.child_by_field_name("return_type")
    return ret is not None and _GUARD_TYPE.search(ret.text or b"") is not None


def _returned(a: Acquisition, body: Node) -> bool:
    """The guard is the body's tail expression or the operand of a `return`."""
    guard = guard_value(a.call)[0]
    p = guard.parent
    if p is None:
        return False
    if p.type == "return_expression":
        return True
    return p.id == body.id and body.named_child_count > 0 and body.named_children[-1].id == guard.id


def parameter_names(fn: Node) -> list[str]:
    """Names of `fn`'s non-`self` parameters in order ("" for patterns that are not a plain name)."""
    params = fn.child_by_field_name("parameters")
    out = []
    for p in params.named_children if params is not None else []:
        if p.type == "parameter":
            pat = p.child_by_field_name("pattern")
            text = (pat.text or b"").decode() if pat is not None and pat.type == "identifier" else ""
            out.append(text)
    return out


def _has_self(fn: Node) -> bool:
    params = fn.child_by_field_name("parameters")
    return params is not None and any(p.type == "self_parameter" for p in params.named_children)


def _argument_for(root: str, scope: Scope, call: Node, callee: Node) -> str | None:
    """The caller-side text standing for the callee's `self` or parameter `root` at `call`."""
    fn = call.child_by_field_name("function")
    args_node = call.child_by_field_name("arguments")
    args = [(a.text or b"").decode() for a in args_node.named_children] if args_node is not None else []
    if fn is None:
        return None
    receiver = fn.child_by_field_name("value") if fn.type == "field_expression" else None
    if receiver is None and _has_self(callee):
        receiver_text = args.pop(0) if args else None
    else:
        receiver_text = (receiver.text or b"").decode() if receiver is not None else None
    if scope is Scope.SELF:
        return receiver_text if root == "self" else None
    params = parameter_names(callee)
    if root not in params:
        return None
    i = params.index(root)
    return args[i] if i < len(args) else None


def _exported(key: LockKey, params: list[str]) -> bool:
    """A key a caller can rebase: on `self`, a global, or rooted at a parameter."""
    return key.scope is not Scope.LOCAL or split_root(key.path)[0] in params


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
