"""Control dependence, CodeQL-style: does a check decide whether a later use runs?

`BRANCH`: the use sits in the `if`/`match`/`while` arm whose condition holds the check (or a
variable bound to its result). `EXIT`: an earlier statement on the check leaves the block
(`return`, `continue`, `break`, `bail!`, `?`) so the use only runs on one answer. `LATER`: the
check's answer is tested somewhere, but the use is merely after it. research/detection.md §4.2.
"""

from __future__ import annotations

from tree_sitter import Node

from checks.syntax import node_text
from checks.toctou.scope import FnScope, pattern_names

BRANCH = "branch"
EXIT = "exit"
LATER = "later"

_EXIT_MACROS = frozenset({"bail", "panic", "unreachable", "todo", "unimplemented"})
_EXIT_TYPES = frozenset({"return_expression", "break_expression", "continue_expression"})
_STOP = frozenset({"block", "function_item", "closure_expression", "expression_statement"})


def contains(outer: Node, inner: Node) -> bool:
    return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte


def result_vars(check: Node) -> frozenset[str]:
    """Names a `let` binds to the check's result (`let exists = p.exists();`)."""
    cur = check.parent
    while cur is not None and cur.type not in _STOP:
        if cur.type == "let_declaration":
            value = cur.child_by_field_name("value")
            pattern = cur.child_by_field_name("pattern")
            if value is not None and pattern is not None and contains(value, check):
                return frozenset(pattern_names(pattern))
            return frozenset()
        cur = cur.parent
    return frozenset()


def _mentions(node: Node, names: frozenset[str]) -> bool:
    if not names:
        return False
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "identifier" and node_text(n) in names:
            return True
        stack.extend(n.named_children)
    return False


def _tests(cond: Node | None, check: Node, names: frozenset[str]) -> bool:
    return cond is not None and (contains(cond, check) or _mentions(cond, names))


def relation(check: Node, use: Node, scope: FnScope) -> tuple[str, Node | None] | None:
    """How `check` governs `use`, with the guarding node; None when the check decides nothing."""
    if check.end_byte > use.start_byte:
        return None
    names = result_vars(check)
    guard = _branch_guard(check, use, names, scope.fn)
    if guard is not None:
        return BRANCH, guard
    guard = _exit_guard(check, use, names, scope.fn)
    if guard is not None:
        return EXIT, guard
    if _is_tested(check, names, scope, use):
        return LATER, None
    return None


def _branch_guard(check: Node, use: Node, names: frozenset[str], fn: Node) -> Node | None:
    cur = use.parent
    while cur is not None and cur != fn:
        field = {"if_expression": "condition", "while_expression": "condition",
                 "match_expression": "value"}.get(cur.type)
        if field is not None:
            cond = cur.child_by_field_name(field)
            if cond is not None and not contains(cond, use) and _tests(cond, check, names):
                return cur if cur.type == "match_expression" else cond
        cur = cur.parent
    return None


def _exit_guard(check: Node, use: Node, names: frozenset[str], fn: Node) -> Node | None:
    child = use
    cur = use.parent
    while cur is not None and cur != fn:
        if cur.type == "block":
            stmt = child.prev_named_sibling
            while stmt is not None and stmt.end_byte > check.start_byte:
                guard = _exits_on(stmt, check, names)
                if guard is not None:
                    return guard
                stmt = stmt.prev_named_sibling
        child = cur
        cur = cur.parent
    return None


def _exits_on(stmt: Node, check: Node, names: frozenset[str]) -> Node | None:
    """`stmt` leaves the block depending on the check's answer: return the guard node."""
    node = stmt.named_children[0] if stmt.type == "expression_statement" and stmt.named_children else stmt
    if node.type == "if_expression":
        cond = node.child_by_field_name("condition")
        if _tests(cond, check, names) and has_exit(node, skip=cond):
            return cond
    elif node.type == "match_expression":
        value = node.child_by_field_name("value")
        if _tests(value, check, names) and has_exit(node, skip=value):
            return node
    elif node.type == "let_declaration":
        value = node.child_by_field_name("value")
        alt = node.child_by_field_name("alternative")
        if alt is not None and _tests(value, check, names) and has_exit(alt):
            return value
    if contains(stmt, check) and _bare_try(check, stmt):
        return check
    return None


def _bare_try(check: Node, stmt: Node) -> bool:
    """`check(p)?;` or `let _ = check(p)?;`: an error leaves the function, the value is unused."""
    parent = check.parent
    while parent is not None and parent.type == "await_expression":
        parent = parent.parent
    if parent is None or parent.type != "try_expression":
        return False
    holder = parent.parent
    if stmt.type == "expression_statement":
        return holder == stmt
    if stmt.type == "let_declaration":
        pattern = stmt.child_by_field_name("pattern")
        return holder == stmt and pattern is not None and node_text(pattern).startswith("_")
    return False


def has_exit(node: Node, skip: Node | None = None) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        t = n.type
        if n == skip or t in ("closure_expression", "function_item"):
            continue
        if t in _EXIT_TYPES:
            return True
        if t == "macro_invocation":
            macro = n.child_by_field_name("macro")
            if macro is not None and node_text(macro).rsplit("::", 1)[-1] in _EXIT_MACROS:
                return True
        if t == "call_expression":
            fn = n.child_by_field_name("function")
            if fn is not None and node_text(fn).endswith("process::exit"):
                return True
        stack.extend(n.named_children)
    return False


def _is_tested(check: Node, names: frozenset[str], scope: FnScope, use: Node) -> bool:
    """The check's answer feeds some condition before the use (else it only reads data)."""
    for cond in scope.conditions:
        if cond.start_byte > use.start_byte:
            continue
        if contains(cond, check) or (cond.start_byte > check.start_byte and _mentions(cond, names)):
            return True
    return False


def can_follow(first: Node, second: Node, fn: Node) -> bool:
    """`second` can run after `first`: not in another arm of the same `if`/`match`, and `first`'s
    block does not leave (`return`, `break`, …) right after it."""
    lca = _common_ancestor(first, second, fn)
    if lca is None:
        return True
    if lca.type == "match_block":
        return False
    if lca.type == "if_expression":
        cons = lca.child_by_field_name("consequence")
        if cons is not None and (contains(cons, first) != contains(cons, second)):
            cond = lca.child_by_field_name("condition")
            return cond is not None and contains(cond, first)
    return not _leaves_after(first, lca)


def _common_ancestor(a: Node, b: Node, fn: Node) -> Node | None:
    cur = a.parent
    while cur is not None and cur != fn:
        if contains(cur, b):
            return cur
        cur = cur.parent
    return None


def _leaves_after(node: Node, stop: Node) -> bool:
    """A block between `node` and `stop` has an unconditional exit statement after `node`."""
    child = node
    cur = node.parent
    while cur is not None and cur != stop:
        if cur.type == "block":
            sib = child.next_named_sibling
            while sib is not None:
                inner = sib.named_children[0] if sib.type == "expression_statement" and sib.named_children else sib
                if inner.type in _EXIT_TYPES or (inner.type == "macro_invocation" and has_exit(inner)):
                    return True
                sib = sib.next_named_sibling
        child = cur
        cur = cur.parent
    return False
