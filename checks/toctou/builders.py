"""`OpenOptions` and `DirBuilder` chains: which flags an `.open(p)` / `.create(p)` call carries.

Follows the builder through a `let opts = OpenOptions::new();` and the `opts.create(true);`
statements that configure it, so the mitigations (`create_new`, `O_NOFOLLOW`, `O_EXCL`,
`.mode(..)`) are seen wherever they are written (research/detection.md §4.3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from checks.syntax import node_text
from checks.toctou import calls
from checks.toctou.calls import Call
from checks.toctou.scope import FnScope

_MAX_HOPS = 3


@dataclass
class Chain:
    root: str = ""
    """`OpenOptions` or `DirBuilder`; empty when the receiver is something else."""
    methods: dict[str, str] = field(default_factory=dict)
    """method name -> its argument text (the last one written wins)."""

    def on(self, method: str) -> bool:
        return self.methods.get(method, "").strip() == "true"


def chain_of(receiver: Node, scope: FnScope, before: int) -> Chain:
    chain = Chain()
    node: Node | None = receiver
    hops = 0
    while node is not None:
        node = _strip(node)
        if node.type == "call_expression":
            node = _step_call(node, chain)
        elif node.type == "identifier" and hops < _MAX_HOPS:
            hops += 1
            node = _step_ident(node, scope, before, chain)
        else:
            node = None
    return chain


def _strip(node: Node) -> Node:
    while node.type in ("reference_expression", "parenthesized_expression", "try_expression"):
        node = node.named_children[-1]
    return node


def _step_call(call: Node, chain: Chain) -> Node | None:
    name, qual, receiver, args = calls.call_parts(call)
    if receiver is not None:
        chain.methods.setdefault(name, " ".join(node_text(a) for a in args))
        return receiver
    if (qual, name) in (("OpenOptions", "new"), ("File", "options")):
        chain.root = "OpenOptions"
    elif (qual, name) == ("DirBuilder", "new"):
        chain.root = "DirBuilder"
    return None


def _step_ident(ident: Node, scope: FnScope, before: int, chain: Chain) -> Node | None:
    name = node_text(ident)
    for method, call in scope.method_calls.get(name, ()):
        if call.start_byte < before and method not in calls.BUILDER_ENDS:
            _, _, _, args = calls.call_parts(call)
            chain.methods.setdefault(method, " ".join(node_text(a) for a in args))
    bound = scope.binding(name, ident.start_byte)
    return bound[1] if bound is not None else None


def classify_builder(call: Node, name: str, receiver: Node, args: list[Node], scope: FnScope) -> Call | None:
    """An `OpenOptions::open(p)` or `DirBuilder::create(p)` call, with its flags; else None."""
    if len(args) != 1:
        return None
    chain = chain_of(receiver, scope, call.start_byte)
    if name == "open" and chain.root == "OpenOptions":
        return _open_call(call, args[0], chain)
    if name == "create" and chain.root == "DirBuilder":
        op = calls.CREATE_DIR_ALL if chain.on("recursive") else calls.CREATE_DIR
        label = "DirBuilder::create"
        return Call(call, calls.USE, op, args[0], label, default_mode="mode" not in chain.methods,
                    follows_symlinks=op == calls.CREATE_DIR_ALL)
    return None


def _open_call(call: Node, path: Node, chain: Chain) -> Call:
    flags = chain.methods.get("custom_flags", "")
    nofollow = "O_NOFOLLOW" in flags
    exclusive = ("create_new" in chain.methods and chain.methods["create_new"].strip() != "false") \
        or "O_EXCL" in flags
    creates = chain.on("create") or exclusive
    writes = chain.on("create") or chain.on("truncate") or chain.on("append")
    if exclusive:
        op = calls.EXCLUSIVE
    elif writes and not nofollow:
        op = calls.CREATE
    else:
        op = calls.OPEN
    return Call(call, calls.USE, op, path, "OpenOptions::open",
                default_mode=creates and "mode" not in chain.methods,
                follows_symlinks=not (nofollow or exclusive))
