"""Lock identity: which receiver a lock call locks, and when two calls lock the same lock.

Implements research/detection.md §5.4: the receiver text after normalisation (`&`, `*`,
parentheses, `.clone()` and `Arc::clone(&x)` dropped), with locals that alias a lock
(`let m = &self.m;`, `let m2 = Arc::clone(&m);`) replaced by what they alias.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from tree_sitter import Node

from checks.findings import Confidence

_WS = re.compile(r"\s+|//[^\n]*|/\*.*?\*/", re.S)
_PREFIX = re.compile(r"^(?:&mut|&|\*)")
_SUFFIX = re.compile(r"\.(?:clone|as_ref|deref|borrow)\(\)$")
_CLONE_CALL = re.compile(r"^(?:(?:std::|alloc::)?(?:sync::|rc::)?)?(?:Arc|Rc)::clone\((.*)\)$")
_STD_STREAM = re.compile(r"^(?:(?:std::)?io::)?(stdout|stderr|stdin)\(\)$")
_CRATE_ROOT = re.compile(r"^(?:crate|self)::")
_GLOBAL = re.compile(r"^[A-Z][A-Z0-9_]*$")
_SEGMENT = re.compile(r"[.\[]")
REENTRANT_MARK = "<reentrant>"
"""Alias target of a local bound to `ReentrantMutex::new(…)`: relocking it on one thread is fine."""
REENTRANT = frozenset({"stdout()", "stderr()", REENTRANT_MARK})
"""std's stdout/stderr locks are reentrant mutexes: relocking on one thread does not block."""


class Scope(Enum):
    SELF = "self"
    GLOBAL = "global"
    LOCAL = "local"


@dataclass(frozen=True)
class LockKey:
    """A lock as seen from one function: normalised path and where the path is rooted."""

    path: str
    scope: Scope
    owner: str
    """`impl` type for `self` paths, function start byte for locals, empty for globals."""

    @property
    def field(self) -> str:
        return _SEGMENT.split(self.path)[-1]

    def shown(self) -> str:
        return "local ReentrantMutex" if self.path == REENTRANT_MARK else self.path


def normalize(text: str) -> str:
    """Receiver text without whitespace, comments, borrows, derefs, parentheses and clones."""
    text = _WS.sub("", text)
    while True:
        before = text
        text = _PREFIX.sub("", text)
        if text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
            text = text[1:-1]
        text = _SUFFIX.sub("", text)
        if m := _CLONE_CALL.match(text):
            text = m.group(1)
        if text == before:
            break
    if m := _STD_STREAM.match(text):
        return m.group(1) + "()"
    return _CRATE_ROOT.sub("", text)


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0


def alias_source(value: Node) -> str | None:
    """What `let x = <value>;` aliases when it is a path to a lock (else None)."""
    text = normalize((value.text or b"").decode("utf-8", "replace"))
    if not text or "(" in text.replace("()", "") or text.startswith(("Arc::new", "Mutex::new")):
        return text if text in ("stdout()", "stderr()", "stdin()") else None
    if re.fullmatch(r"[A-Za-z_][\w]*(?:(?:\.|::)[A-Za-z_][\w]*)*", text) is None:
        return None
    return text


def key_for(receiver: Node, aliases: dict[str, str], impl_type: str, fn_id: int) -> LockKey:
    return key_for_text((receiver.text or b"").decode("utf-8", "replace"), aliases, impl_type, fn_id)


def key_for_text(text: str, aliases: dict[str, str], impl_type: str, fn_id: int) -> LockKey:
    """The key of a receiver written `text` in a function (start byte `fn_id`) of `impl impl_type`."""
    path = resolve_alias(normalize(text), aliases)
    head = re.split(r"[.\[(]|::", path, maxsplit=1)[0]
    if head == "self":
        return LockKey(path, Scope.SELF, impl_type)
    if _GLOBAL.match(head) or "::" in path or path in ("stdout()", "stderr()", "stdin()"):
        return LockKey(path, Scope.GLOBAL, "")
    return LockKey(path, Scope.LOCAL, str(fn_id))


def split_root(path: str) -> tuple[str, str]:
    """`client.inner.x` -> (`client`, `.inner.x`): the local or `self` a path starts from."""
    m = re.match(r"([A-Za-z_]\w*)(.*)$", path, re.S)
    return (m.group(1), m.group(2)) if m is not None else (path, "")


def is_place(path: str) -> bool:
    """A plain place expression (`a.b`, `a[i].c`): something a lock key can be rebased onto."""
    return re.fullmatch(r"[A-Za-z_]\w*(?:\.[A-Za-z_0-9]\w*|\[[^\[\]()]*\])*", path) is not None


def resolve_alias(path: str, aliases: dict[str, str]) -> str:
    """Replace a leading local that aliases a lock path, following chains a few steps."""
    for _ in range(4):
        head, sep, rest = _split_head(path)
        target = aliases.get(head)
        if target is None or target == head:
            return path
        path = target + sep + rest
    return path


def _split_head(path: str) -> tuple[str, str, str]:
    m = re.match(r"([A-Za-z_]\w*)(?:([.\[])(.*))?$", path, re.S)
    if m is None:
        return path, "", ""
    return m.group(1), m.group(2) or "", m.group(3) or ""


def same_lock(a: LockKey, b: LockKey) -> Confidence | None:
    """HIGH for the same normalised path in the same scope; LOW for the same field via other bases."""
    if a == b:
        return Confidence.HIGH
    if a.scope is Scope.GLOBAL or b.scope is Scope.GLOBAL:
        return None
    if "." in a.path and "." in b.path and a.field == b.field and not a.field.endswith(")"):
        return Confidence.LOW
    return None
