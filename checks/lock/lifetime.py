"""Guard lifetime: from a lock call to the byte range where its guard is alive.

Encodes research/detection.md §5.3 (temporary scopes by edition): `match` scrutinees live
through every arm, `if let` scrutinees through the then-block (and the else-block before
2024), plain `if`/`while` conditions end with the condition, `let g = …` lives to the end of
its block unless dropped or moved, `let _ = …` drops at once, statement temporaries live to
the `;`, and block tails outlive their block before 2024.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

UNWRAPPERS = frozenset({"unwrap", "expect", "unwrap_or_else", "unwrap_unchecked", "unwrap_or_default"})
_SCOPE_BLOCK_PARENTS = frozenset({
    "if_expression", "else_clause", "loop_expression", "while_expression", "for_expression",
    "function_item", "closure_expression", "match_arm", "async_block",
})
_IMMEDIATE = frozenset({
    "map", "for_each", "filter", "filter_map", "flat_map", "and_then", "or_else", "unwrap_or_else",
    "map_or", "map_or_else", "any", "all", "find", "find_map", "position", "fold", "retain",
    "sort_by", "sort_by_key", "then", "with", "scope", "try_for_each", "inspect", "get_or_insert_with",
})
"""Methods that run their closure argument before returning: a guard held around them is held inside."""
_EXTENDING = frozenset({"reference_expression", "unary_expression", "index_expression", "parenthesized_expression",
                        "tuple_expression", "array_expression"})


@dataclass
class Region:
    """Bytes [start, end) of a function where a guard is alive, minus `holes`, and why."""

    start: int
    end: int
    reason: str
    holes: list[tuple[int, int]] = field(default_factory=list)
    binding: str = ""
    """The local the guard is bound to (`let g = …`), when there is one."""

    def covers(self, pos: int) -> bool:
        return self.start <= pos < self.end and not any(a <= pos < b for a, b in self.holes)


def fname(node: Node) -> str | None:
    parent = node.parent
    if parent is None:
        return None
    for i, child in enumerate(parent.children):
        if child.id == node.id:
            return parent.field_name_for_child(i)
    return None


def method_name(call: Node) -> str | None:
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "field_expression":
        return None
    name = fn.child_by_field_name("field")
    return (name.text or b"").decode() if name is not None else None


def guard_value(call: Node) -> tuple[Node, bool, bool]:
    """The outermost node whose value is the guard, whether it was unwrapped, whether awaited."""
    cur, unwrapped, awaited = call, False, False
    while (p := cur.parent) is not None:
        if p.type == "await_expression":
            awaited = True
        elif p.type == "try_expression":
            unwrapped = True
        elif p.type == "field_expression" and p.parent is not None and p.parent.type == "call_expression" \
                and fname(p) == "function" and method_name(p.parent) in UNWRAPPERS:
            unwrapped = True
            p = p.parent
        elif p.type != "parenthesized_expression":
            break
        cur = p
    return cur, unwrapped, awaited


def is_matched_ok(guard: Node) -> bool:
    """`if let Ok(g) = m.try_lock()` / `match m.try_lock() { Ok(g) => … }` (parking_lot: `Some`)."""
    p = guard.parent
    if p is None:
        return False
    if p.type == "let_condition" or (p.type == "let_declaration" and fname(guard) == "value"):
        pat = p.child_by_field_name("pattern")
        return pat is not None and (pat.text or b"").startswith((b"Ok(", b"Some("))
    return p.type == "match_expression" and fname(guard) == "value"


def order_of(node: Node) -> int:
    """Byte position standing for when `node` runs; an assignment's left side runs after its right."""
    pos = node.start_byte
    child = node
    for p in _ancestors(node):
        if p.type in ("function_item", "closure_expression", "block"):
            break
        if p.type in ("assignment_expression", "compound_assignment_expr") and fname(child) == "left":
            right = p.child_by_field_name("right")
            if right is not None:
                pos = right.end_byte
        child = p
    return pos


def _ancestors(node: Node) -> list[Node]:
    out = []
    p = node.parent
    while p is not None:
        out.append(p)
        p = p.parent
    return out


def region_of(call: Node, guard: Node, edition: int) -> Region | None:
    """Where the guard made by `call` (value `guard`) is alive; None when dropped at once or returned."""
    start = max(call.end_byte, order_of(call))
    p = guard.parent
    if p is None:
        return None
    if p.type == "let_declaration" and fname(guard) == "value":
        return _bound_by_let(p, start)
    if p.type == "assignment_expression" and fname(guard) == "right":
        return _bound_by_assignment(p, start)
    if p.type == "arguments" and p.parent is not None:
        return Region(start, p.parent.end_byte, "it was moved into this call, which holds it until it returns")
    if p.type == "return_expression":
        return None
    return temporary_region(guard, start, edition)


def _bound_by_let(let: Node, start: int) -> Region | None:
    pat = let.child_by_field_name("pattern")
    text = (pat.text or b"").decode() if pat is not None else "_"
    if text == "_":
        return None
    block = let.parent
    if block is None:
        return None
    name = text if pat is not None and pat.type == "identifier" else ""
    line = block.end_point.row + 1
    reason = (f"it is bound to `{name}`, which lives until the end of its block (line {line})" if name
              else f"it is bound by a `let` pattern and lives until the end of its block (line {line})")
    return Region(max(start, let.end_byte), block.end_byte, reason, binding=name)


def _bound_by_assignment(assign: Node, start: int) -> Region | None:
    left = assign.child_by_field_name("left")
    block = _enclosing_block(assign)
    if left is None or block is None:
        return None
    name = (left.text or b"").decode()
    return Region(max(start, assign.end_byte), block.end_byte,
                  f"it is assigned to `{name}`, which keeps it until the end of the block", binding=name)


def _enclosing_block(node: Node) -> Node | None:
    for p in _ancestors(node):
        if p.type == "block":
            return p
    return None


def temporary_region(guard: Node, start: int, edition: int) -> Region | None:
    """The smallest enclosing temporary scope of a guard used as a temporary (§5.3)."""
    child, escaped_block = guard, False
    while (p := child.parent) is not None:
        found = _scope_at(child, p, guard, start, edition)
        if found is not None:
            if escaped_block:
                found.reason += (f" (before edition 2024 a block's tail temporaries outlive the block, so the "
                                 f"braces do not drop it; this crate is on {edition}: Clippy `block_scrutinee`)")
            return found if found.end > start else None
        if p.type == "return_expression":
            return None
        if p.type == "block" and not (edition < 2024 and not _is_scope_block(p)):
            return Region(start, p.end_byte, "it is a temporary in the block's tail expression, dropped at the "
                                             "end of the block")
        escaped_block = escaped_block or p.type == "block"
        child = p
    return None


def _is_scope_block(block: Node) -> bool:
    return block.parent is None or block.parent.type in _SCOPE_BLOCK_PARENTS


def _scope_at(child: Node, p: Node, guard: Node, start: int, edition: int) -> Region | None:
    f, t = fname(child), p.type
    if t == "expression_statement":
        return Region(start, p.end_byte, "it is a temporary of this statement, alive until its `;` "
                                         "(every lock in one statement is held together)")
    if t == "let_declaration" and f == "value":
        return _let_temporary(p, child, guard, start)
    if t == "let_condition" and f == "value":
        return _let_condition(p, start, edition)
    if t in ("if_expression", "while_expression") and f == "condition":
        return Region(start, child.end_byte, "it is a temporary of the condition")
    if t == "match_expression" and f == "value":
        return Region(start, p.end_byte, "it is a temporary of the `match` scrutinee, which lives until the end "
                                         "of the whole `match`, every arm included (all editions)")
    if t == "for_expression" and f == "value":
        return Region(start, p.end_byte, "it is a temporary of the `for` iterator expression, which lives until "
                                         "the end of the loop")
    if (t == "match_arm" and f == "value") or (t == "match_pattern" and f == "condition"):
        return Region(start, child.end_byte, "it is a temporary of this match arm's expression")
    if t == "binary_expression" and f == "right" and _lazy(p):
        return Region(start, child.end_byte, "it is a temporary of this `&&`/`||` operand")
    if t in ("closure_expression", "function_item", "async_block"):
        return Region(start, p.end_byte, "it is a temporary of the body's tail expression")
    return None


def _lazy(binary: Node) -> bool:
    op = binary.child_by_field_name("operator")
    return op is not None and op.type in ("&&", "||")


def _let_temporary(let: Node, value: Node, guard: Node, start: int) -> Region:
    if _is_extended(guard, value):
        block = let.parent
        end = block.end_byte if block is not None else let.end_byte
        return Region(start, end, "the `let` borrows from it (`&…`), which extends the temporary to the end "
                                  "of the block")
    alt = let.child_by_field_name("alternative")
    holes = [(alt.start_byte, alt.end_byte)] if alt is not None else []
    return Region(start, let.end_byte, "it is a temporary of this `let` statement, alive until its `;`", holes)


def _is_extended(guard: Node, value: Node) -> bool:
    """`let r = &m.lock().unwrap().f;` / `&*m.lock()…`: a borrow of a place based on the guard.

    Only when the borrow reaches the `let` value through places, borrows, tuples and arrays: a
    borrow passed to a call (`send(&m.lock().f)`) ends with the statement.
    """
    cur, borrowed = guard, False
    while cur.id != value.id and (p := cur.parent) is not None:
        if p.type == "field_expression" and fname(cur) == "value" and fname(p) != "function":
            cur = p
            continue
        if p.type in _EXTENDING:
            borrowed = borrowed or p.type == "reference_expression"
            cur = p
            continue
        return False
    return borrowed


def _let_condition(cond: Node, start: int, edition: int) -> Region | None:
    owner = cond.parent
    while owner is not None and owner.type == "let_chain":
        owner = owner.parent
    if owner is None:
        return None
    if owner.type == "while_expression":
        return Region(start, owner.end_byte, "it is a temporary of the `while let` scrutinee, which lives until "
                                             "the end of the loop body")
    then, alt = owner.child_by_field_name("consequence"), owner.child_by_field_name("alternative")
    if then is None:
        return None
    if alt is not None and edition < 2024:
        return Region(start, alt.end_byte, f"it is a temporary of the `if let` scrutinee; before edition 2024 "
                                           f"(this crate is on {edition}) it lives through the else-block too")
    return Region(start, then.end_byte, "it is a temporary of the `if let` scrutinee, which lives until the end "
                                        "of the then-block")


def held_at(region: Region, lock_call: Node, node: Node, pos: int) -> bool:
    """Is the guard made by `lock_call` alive when `node` runs at `pos`?

    Closures that may run later (not an argument of `map`/`for_each`/…), async blocks and nested
    fns between `node` and the lock's scope start a new context where the guard is not held.
    """
    if not region.covers(pos):
        return False
    for p in _ancestors(node):
        if p.start_byte <= lock_call.start_byte and lock_call.end_byte <= p.end_byte:
            return True
        if p.type in ("async_block", "function_item"):
            return False
        if p.type == "closure_expression" and not _runs_immediately(p):
            return False
    return True


def _runs_immediately(closure: Node) -> bool:
    args = closure.parent
    if args is None or args.type != "arguments" or args.parent is None:
        return False
    call = args.parent
    name = method_name(call)
    if name is None:
        fn = call.child_by_field_name("function")
        name = (fn.text or b"").decode().rsplit("::", 1)[-1] if fn is not None else None
    return name in _IMMEDIATE
