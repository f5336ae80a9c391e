"""`lock/nested-lock`: a different lock taken while one is held (a note feeding the order analysis)."""

from __future__ import annotations

from checks.context import Hit
from checks.findings import Confidence, Severity
from checks.lock.held import Taken
from checks.lock.lock_order_inversion import Pair
from checks.rules import Rule

RULE = Rule(
    id="lock/nested-lock",
    severity=Severity.NOTE,
    confidence=Confidence.MEDIUM,
    summary="a second, different lock taken while a guard is alive",
    what=(
        "A lock taken while the guard of a different lock is alive (same rules as `lock/double-lock`), "
        "when the file holds no opposite order for the pair (that is `lock/lock-order-inversion`). "
        "Reported once per pair and function."
    ),
    why=(
        "Nesting is how lock-order deadlocks start: each nested pair fixes an order that every other "
        "path, in this file or elsewhere, must follow. A reviewer should check the order is the "
        "project's documented one."
    ),
    example="let _a = self.a.lock();\nlet _b = self.b.lock(); // b while a is held",
    fix="let x = self.a.lock().x; // release a first when b does not need it\nlet _b = self.b.lock();",
    limits=(
        "Most nested locks are correct and deliberate: over 1.7 million lines of Debian's packaged crate "
        "sources it fired 27 times (0.16 per 10,000 lines), almost all intended orderings, so it is off by "
        "default. Enable it to review the lock order a PR introduces."
    ),
    see_also="`lock/lock-order-inversion`; lockbud's lock-order graph.",
    default_on=False,
)


def check(order: dict[Pair, Taken], inverted: set[Pair]) -> list[Hit]:
    hits = []
    seen: set[tuple[int, Pair]] = set()
    for pair, t in order.items():
        if pair in inverted or (pair[1], pair[0]) in inverted:
            continue
        fn_key = (t.held.call.start_byte, pair)
        if fn_key in seen:
            continue
        seen.add(fn_key)
        message = (
            f"`{pair[1].shown()}` is taken here while `{pair[0].shown()}` (line "
            f"{t.held.call.start_point.row + 1}) is held, fixing the order {pair[0].shown()} → {pair[1].shown()}. "
            "Every other path that takes both must use the same order, or two threads can deadlock; "
            "release the first guard before this lock if it is not needed."
        )
        hits.append(Hit(rule=RULE.id, node=t.site, message=message,
                        construct=f"{pair[0].path} -> {pair[1].path}".encode()))
    return hits
