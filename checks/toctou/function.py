"""One function's classified calls and the questions every rule asks about them.

A rule sees the checks and uses of one `fn` in source order, asks whether two path expressions
name the same file (`same_path`) and how a check governs a use (`guards.relation`), and turns
a pair into a `Hit` whose identity is the text of the two calls, never their lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node

from checks.context import Hit
from checks.findings import Confidence, Severity
from checks.syntax import node_text
from checks.toctou import guards
from checks.toctou.calls import Call
from checks.toctou.paths import normalized, strip
from checks.toctou.scope import FnScope, key_of

_OCTAL = re.compile(r"0o([0-7]{3,4})")
_BUMP = {Severity.NOTE: Severity.WARNING, Severity.WARNING: Severity.ERROR, Severity.ERROR: Severity.ERROR}


@dataclass
class FnFacts:
    scope: FnScope
    calls: list[Call]
    """Classified calls of the function, in source order."""
    claimed: set[int] = field(default_factory=set)
    """Start bytes of calls already reported as the second half of a race by an earlier rule."""

    def same_path(self, a: Node | None, b: Node | None) -> str | None:
        """The shared key when `a` (earlier) and `b` name the same path, nothing reassigns it in
        between, and `b` can run after `a` (not in another `match` arm, no `return` in between)."""
        ka, kb = key_of(self.scope, a), key_of(self.scope, b)
        if ka is None or ka != kb or a is None or b is None:
            return None
        skip = _loop_body_checked_by(a)
        names = [ka] + [node_text(n) for n in (strip(a), strip(b)) if n.type == "identifier"]
        if any(self.scope.reassigned_between(k, a.end_byte, b.start_byte, skip=skip) for k in names):
            return None
        return ka if guards.can_follow(a, b, self.scope.fn) else None

    def risk(self, *paths: Node | None, mode: Node | None = None) -> str:
        """Why severity goes up, or "": a world-writable place or mode (issue rule 5)."""
        if any(p is not None and self.scope.under_tmp(p) for p in paths):
            return "The path is under a world-writable directory (such as /tmp), where any local user can race it."
        if mode is not None and is_world_writable(self.scope.expanded_text(mode)):
            return "The mode set is world-writable, so losing the race hands the file to every user."
        return ""


def _loop_body_checked_by(node: Node) -> tuple[int, int] | None:
    """The body of a `while` whose condition holds `node`: a reassignment there is checked again
    before the loop ends (`while p.exists() { p = next_name(); }`), so it keeps the path's identity."""
    cur = node.parent
    while cur is not None and cur.type not in ("block", "function_item", "closure_expression"):
        if cur.type == "while_expression":
            cond, body = cur.child_by_field_name("condition"), cur.child_by_field_name("body")
            if cond is not None and body is not None and guards.contains(cond, node):
                return body.start_byte, body.end_byte
            return None
        cur = cur.parent
    return None


def is_world_writable(text: str) -> bool:
    return any(int(m, 8) & 0o002 for m in _OCTAL.findall(text))


def bumped(severity: Severity, risk: str) -> Severity:
    return _BUMP[severity] if risk else severity


def short(node: Node, limit: int = 60) -> str:
    """Call text for a message: whitespace collapsed, long builder chains shortened."""
    text = " ".join(node_text(node).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown_path(node: Node | None) -> str:
    """A path expression for a message, without a leading `&`."""
    return short(node, 40).lstrip("&").removeprefix("mut ") if node is not None else "the path"


def pair_hit(rule: str, first: Call, second: Call, message: str, severity: Severity,
             confidence: Confidence) -> Hit:
    """A hit on the second call; the fingerprint construct is the two calls' normalized text."""
    construct = (normalized(first.node) + " -> " + normalized(second.node)).encode()
    return Hit(rule=rule, node=second.node, message=message, construct=construct,
               severity=severity, confidence=confidence,
               extra={"first_line": str(first.node.start_point.row + 1)})
