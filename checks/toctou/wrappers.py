"""Names the built-in tables do not know: same-file helper functions and repo-configured names.

A free `fn` in the file whose body checks or uses one of its parameters is itself a check or
a use (one level deep), and `AnalyzeOptions.toctou_checks` / `toctou_uses` add names by hand.
Their call sites are found with a byte regex and `descendant_for_byte_range`, so no extra
query and no whole-file walk is needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tree_sitter import Node

from checks.syntax import node_text
from checks.toctou import calls
from checks.toctou.calls import Call
from checks.toctou.paths import strip
from checks.toctou.text import text_of

_USE_PRIORITY = (calls.REMOVE_TREE, calls.CHMOD, calls.CHOWN, calls.CREATE, calls.REMOVE, calls.CREATE_DIR,
                 calls.CREATE_DIR_ALL, calls.RENAME, calls.COPY, calls.LINK, calls.MKFIFO, calls.LCHOWN,
                 calls.EXCLUSIVE, calls.OPEN)


@dataclass(frozen=True)
class NameSpec:
    role: str
    op: str
    arg: int = 0
    symlink_aware: bool = False
    default_mode: bool = False
    follows_symlinks: bool = True
    bare_only: bool = True


def wrapper_specs(fn: Node, classified: list[Call]) -> tuple[str, NameSpec] | None:
    """(name, spec) when `fn` is a free function that checks or uses one of its parameters."""
    params = param_names(fn)
    if not params:
        return None
    on_param = [(c, params.index(k)) for c in classified
                if (k := _param_of(c, fn)) is not None and k in params]
    if not on_param and not any(c.op == calls.REMOVE for c in classified):
        return None
    name = text_of(fn.child_by_field_name("name"))
    tree = _tree_walk_param(fn, params, classified)
    if tree is not None:
        return name, NameSpec(calls.USE, calls.REMOVE_TREE, tree)
    if not on_param:
        return None
    uses = [(c, i) for c, i in on_param if c.role == calls.USE]
    if uses:
        c, i = min(uses, key=lambda ci: _USE_PRIORITY.index(ci[0].op) if ci[0].op in _USE_PRIORITY else 99)
        return name, NameSpec(calls.USE, c.op, i, default_mode=c.default_mode, follows_symlinks=c.follows_symlinks)
    c, i = on_param[0]
    return name, NameSpec(calls.CHECK, "", i, symlink_aware=any(x.symlink_aware for x, _ in on_param))


def _tree_walk_param(fn: Node, params: list[str], classified: list[Call]) -> int | None:
    """Index of the parameter a hand-written recursive delete walks: the body lists it with
    `read_dir` and removes entries by path (the shape behind CVE-2022-21658, RUSTSEC-2023-0018)."""
    if not any(c.op == calls.REMOVE for c in classified):
        return None
    body = fn.text or b""
    for i, p in enumerate(params):
        word = re.escape(p.encode())
        if p and re.search(rb"read_dir\(\s*&?" + word + rb"\b|\b" + word + rb"\s*\.\s*read_dir\(", body):
            return i
    return None


def param_names(fn: Node) -> list[str]:
    """Parameter names of a free function; empty for methods (`self`) and parameterless fns."""
    params = fn.child_by_field_name("parameters")
    if params is None:
        return []
    out = []
    for p in params.named_children:
        if p.type == "self_parameter":
            return []
        if p.type == "parameter":
            pat = p.child_by_field_name("pattern")
            out.append(node_text(pat) if pat is not None and pat.type == "identifier" else "")
    return out


def _param_of(call: Call, fn: Node) -> str | None:
    """The identifier the call's path is, unless the body rebinds it with `let` (a byte search:
    cheaper than a scope walk, and a false "rebound" only loses a wrapper)."""
    if call.path is None:
        return None
    node = strip(call.path)
    if node.type != "identifier":
        return None
    name = node_text(node)
    if re.search(rb"\blet\s+(?:mut\s+)?" + re.escape(name.encode()) + rb"\b", fn.text or b""):
        return None
    return name


def configured_specs(checks: Iterable[str], uses: Iterable[str]) -> dict[str, NameSpec]:
    out = {name: NameSpec(calls.CHECK, "", bare_only=False) for name in checks}
    out.update({name: NameSpec(calls.USE, calls.CREATE, bare_only=False) for name in uses})
    return out


def find_calls(source: bytes, root: Node, specs: dict[str, NameSpec]) -> list[tuple[Node, NameSpec]]:
    """Call sites of `specs`' names, by byte search; definitions and non-calls are dropped."""
    if not specs:
        return []
    names = b"|".join(re.escape(n.encode()) for n in sorted(specs, key=len, reverse=True))
    out = []
    for m in re.finditer(rb"(?<![\w])(" + names + rb")\s*\(", source):
        ident = root.descendant_for_byte_range(m.start(1), m.end(1))
        spec = specs[m.group(1).decode()]
        call = _call_of(ident, spec.bare_only) if ident is not None else None
        if call is not None:
            out.append((call, spec))
    return out


def _call_of(ident: Node, bare_only: bool) -> Node | None:
    parent = ident.parent
    if parent is None:
        return None
    if ident.type == "identifier" and parent.type == "call_expression":
        return parent if parent.child_by_field_name("function") == ident else None
    if bare_only:
        return None
    holder = parent.parent
    if parent.type in ("scoped_identifier", "field_expression") and holder is not None \
            and holder.type == "call_expression" and holder.child_by_field_name("function") == parent:
        return holder
    return None


def classify_named(call: Node, spec: NameSpec, label: str) -> Call | None:
    _, _, receiver, args = calls.call_parts(call)
    if receiver is not None and not args:
        path: Node | None = receiver
    else:
        path = args[spec.arg] if len(args) > spec.arg else None
    if path is None:
        return None
    return Call(call, spec.role, spec.op, path, label, symlink_aware=spec.symlink_aware,
                default_mode=spec.default_mode, follows_symlinks=spec.follows_symlinks)
