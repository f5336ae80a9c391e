"""Lock acquisitions in one function: which calls take a lock, of what kind, and the function's facts.

research/detection.md §5.4: zero-argument `.lock()`, `.read()`, `.write()`, `.try_lock()` (when
unwrapped or matched as `Ok`), `.upgradable_read()`, `.read_recursive()`, their `.await` forms
(async locks) and the repo's configured wrappers (`rl`/`wl`). `read(buf)`/`write(buf)` are I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from tree_sitter import Node, TreeCursor

from checks.lock.identity import REENTRANT_MARK, LockKey, alias_source, key_for, key_for_text
from checks.lock.lifetime import Region, guard_value, is_matched_ok, method_name, order_of, region_of
from checks.lock.macros import MacroLock, lock_tokens

BUILTIN_METHODS = ("lock", "read", "write", "try_lock", "upgradable_read", "read_recursive")
_POINTER_LIKE = re.compile(r"(?:ptr|pointer|\.as_ptr\(\)|\.add\(.*\)|\.offset\(.*\))$", re.I)
_RWLOCK_WORDS = (b"RwLock", b"parking_lot", b"lock_api", b"async_lock", b"ShardedLock")
_SPIN = re.compile(rb"\bspin\b")


def rwlock_evidence(source: bytes) -> bool:
    """The file names a read-write lock type or crate (`RwLock`, `parking_lot`, `spin`, ...).

    Literal `in` tests first: one regex alternation of these words scans every byte in Python's `re`.
    """
    return any(word in source for word in _RWLOCK_WORDS) or _SPIN.search(source) is not None


class Kind(Enum):
    EXCLUSIVE = "exclusive"
    READ = "read"
    WRITE = "write"
    UPGRADABLE = "upgradable"
    READ_RECURSIVE = "read_recursive"
    TRY = "try"


@dataclass
class Acquisition:
    call: Node
    method: str
    kind: Kind
    is_async: bool
    key: LockKey
    region: Region | None
    order: int
    through: str = ""
    """The same-file call that returned the guard (`self.state()`), when the lock is taken inside it."""

    def shown(self) -> str:
        """How the acquisition reads in a message: `.lock()`, or `self.state()` for a guard getter."""
        if self.through:
            return f"`{self.through}` (which returns a guard of `.{self.method}()`)"
        return f"`.{self.method}()`"


@dataclass
class FunctionFacts:
    """Everything the rules need from one function body, gathered in one walk."""

    node: Node
    impl_type: str
    acquisitions: list[Acquisition] = field(default_factory=list)
    calls: list[Node] = field(default_factory=list)
    awaits: list[Node] = field(default_factory=list)
    releases: list[tuple[int, str]] = field(default_factory=list)
    """(byte, local) where a local is dropped or moved into a call."""
    aliases: dict[str, str] = field(default_factory=dict)
    """Locals that alias a lock path (`let m = &self.m;`), as `identity.resolve_alias` reads them."""


def kind_of(method: str, configured: tuple[str, ...]) -> Kind:
    if method == "try_lock":
        return Kind.TRY
    if method in ("read", "rl") or (method in configured and "read" in method):
        return Kind.READ
    if method in ("write", "wl") or (method in configured and "write" in method):
        return Kind.WRITE
    return {"upgradable_read": Kind.UPGRADABLE, "read_recursive": Kind.READ_RECURSIVE}.get(method, Kind.EXCLUSIVE)


def impl_type_of(fn: Node) -> str:
    """`Type` of the `impl` (or `trait:Name`) holding method `fn`; empty for free functions."""
    p = fn.parent
    while p is not None and p.type not in ("impl_item", "trait_item"):
        if p.type in ("function_item", "source_file", "closure_expression"):
            return ""
        p = p.parent
    if p is None:
        return ""
    if p.type == "trait_item":
        name = p.child_by_field_name("name")
        return "trait:" + (name.text or b"").decode() if name is not None else ""
    ty = p.child_by_field_name("type")
    return re.sub(r"<.*", "", (ty.text or b"").decode(), flags=re.S) if ty is not None else ""


def scan_function(fn: Node, rw_ok: bool, edition: int, methods: frozenset[str],
                  configured: tuple[str, ...]) -> FunctionFacts:
    """One walk of `fn`'s subtree: lets (aliases), calls, awaits, drops/moves, then acquisitions.

    `rw_ok`: the file shows read-write lock evidence (`rwlock_evidence`), computed once per file.
    """
    facts = FunctionFacts(fn, impl_type_of(fn))
    aliases: dict[str, str] = {}
    alias_count: dict[str, int] = {}
    lock_calls: list[tuple[Node, str]] = []
    macro_locks: list[MacroLock] = []
    in_macro = re.compile(rb"\.\s*(?:" + "|".join(re.escape(m) for m in sorted(methods)).encode() + rb")\s*\(\s*\)")
    cursor = fn.walk()  # pre-order, in document order; a cursor makes fewer Node objects than `.children`
    while True:
        node = cursor.node
        assert node is not None
        t = node.type
        descend = True
        if t == "call_expression":
            _visit_call(node, facts, lock_calls, methods)
        elif t == "await_expression":
            facts.awaits.append(node)
        elif t == "let_declaration":
            _visit_let(node, aliases, alias_count, facts.releases)
        elif t == "function_item" and node.id != fn.id:
            descend = False
        elif t == "token_tree":
            if node.parent is not None and node.parent.type == "macro_invocation" and in_macro.search(node.text or b""):
                macro_locks.extend(lock_tokens(node, methods))
            descend = False
        if not _next_preorder(cursor, descend):
            break
    for name, count in alias_count.items():
        if count > 1:
            aliases.pop(name, None)
    facts.aliases = aliases
    for call, method in lock_calls:
        acq = _acquisition(call, method, facts, aliases, edition, configured, rw_ok)
        if acq is not None:
            facts.acquisitions.append(acq)
    for m in macro_locks:
        acq = _macro_acquisition(m, facts, configured, rw_ok)
        if acq is not None:
            facts.acquisitions.append(acq)
    facts.acquisitions.sort(key=lambda a: a.order)
    facts.calls.sort(key=lambda n: n.start_byte)
    return facts


def _next_preorder(cursor: TreeCursor, descend: bool) -> bool:
    """Move to the next node in pre-order (into the current one's children when `descend`)."""
    if descend and cursor.goto_first_child():
        return True
    while not cursor.goto_next_sibling():
        if not cursor.goto_parent():
            return False
    return True


def _visit_call(node: Node, facts: FunctionFacts, lock_calls: list[tuple[Node, str]],
                methods: frozenset[str]) -> None:
    facts.calls.append(node)
    args = node.child_by_field_name("arguments")
    name = method_name(node)
    if name in methods and args is not None and args.named_child_count == 0:
        lock_calls.append((node, name))
    fn = node.child_by_field_name("function")
    if args is None or fn is None:
        return
    if fn.type == "identifier" or fn.type == "scoped_identifier" or fn.type == "field_expression":
        for arg in args.named_children:
            if arg.type == "identifier":
                facts.releases.append((node.start_byte, (arg.text or b"").decode()))


def _visit_let(node: Node, aliases: dict[str, str], count: dict[str, int],
               releases: list[tuple[int, str]]) -> None:
    pat, value = node.child_by_field_name("pattern"), node.child_by_field_name("value")
    if pat is None or pat.type != "identifier":
        return
    name = (pat.text or b"").decode()
    if value is not None and value.type == "identifier":
        releases.append((node.start_byte, (value.text or b"").decode()))
    count[name] = count.get(name, 0) + 1
    if value is not None and value.type == "call_expression" and b"Reentrant" in (value.text or b"")[:40]:
        aliases[name] = REENTRANT_MARK
        return
    target = alias_source(value) if value is not None else None
    if target is not None and target != name:
        aliases[name] = target


def _acquisition(call: Node, method: str, facts: FunctionFacts, aliases: dict[str, str], edition: int,
                 configured: tuple[str, ...], rw_ok: bool) -> Acquisition | None:
    fn = call.child_by_field_name("function")
    receiver = fn.child_by_field_name("value") if fn is not None else None
    if receiver is None:
        return None
    guard, unwrapped, awaited = guard_value(call)
    kind = kind_of(method, configured)
    if kind is Kind.TRY and not (unwrapped or is_matched_ok(guard)):
        return None
    receiver_text = (receiver.text or b"").decode()
    if method in ("read", "write") and not _looks_like_rwlock(call, receiver_text, unwrapped or awaited, rw_ok):
        return None
    key = key_for(receiver, aliases, facts.impl_type, facts.node.start_byte)
    region = region_of(call, guard, edition)
    if region is not None and region.binding:
        region.end = release_point(region, facts.releases)
    return Acquisition(call, method, kind, awaited, key, region, order_of(call))


def _macro_acquisition(m: MacroLock, facts: FunctionFacts, configured: tuple[str, ...],
                       rw_ok: bool) -> Acquisition | None:
    """A lock call inside a macro's arguments: held until the end of the macro invocation."""
    kind = kind_of(m.method, configured)
    if kind is Kind.TRY and not m.unwrapped:
        return None
    if m.method in ("read", "write") and not _looks_like_rwlock(m.token, m.receiver, m.unwrapped or m.awaited, rw_ok):
        return None
    invocation = m.token.parent
    while invocation is not None and invocation.type != "macro_invocation":
        invocation = invocation.parent
    if invocation is None:
        return None
    name = invocation.child_by_field_name("macro")
    shown = (name.text or b"").decode() if name is not None else "macro"
    region = Region(m.token.end_byte, invocation.end_byte,
                    f"it is a temporary inside the `{shown}!` arguments, alive until the macro's expression ends "
                    "(every lock in one macro call is held together)")
    key = key_for_text(m.receiver, facts.aliases, facts.impl_type, facts.node.start_byte)
    return Acquisition(m.token, m.method, kind, m.awaited, key, region, m.token.start_byte)


def _looks_like_rwlock(call: Node, receiver: str, result_checked: bool, rw_ok: bool) -> bool:
    """`.read()`/`.write()` are also raw-pointer and register accessors: ask for some evidence."""
    if _POINTER_LIKE.search(receiver):
        return False
    p = call.parent
    while p is not None and p.type not in ("function_item", "closure_expression"):
        if p.type == "unsafe_block":
            return False
        p = p.parent
    return result_checked or rw_ok


def release_point(region: Region, releases: list[tuple[int, str]]) -> int:
    """A bound guard ends at the first `drop(g)` / move of `g` into a call after it is bound."""
    end = region.end
    for pos, name in releases:
        if name == region.binding and region.start <= pos < end:
            end = pos
    return end
