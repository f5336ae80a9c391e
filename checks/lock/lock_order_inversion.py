"""`lock/lock-order-inversion`: one place holds A while taking B, another holds B while taking A."""

from __future__ import annotations

from checks.context import Hit
from checks.findings import Confidence, Severity
from checks.lock.acquire import Kind
from checks.lock.held import Taken
from checks.lock.identity import LockKey, same_lock
from checks.rules import Rule

RULE = Rule(
    id="lock/lock-order-inversion",
    severity=Severity.ERROR,
    confidence=Confidence.MEDIUM,
    summary="two locks taken in opposite orders in one file",
    what=(
        "Two sites in one file that take the same two locks in opposite orders: one holds lock A (a guard "
        "alive by the rules of `lock/double-lock`) while taking B, the other holds B while taking A, "
        "directly or through same-file calls up to three deep (resolved as for `lock/double-lock`). Locks are "
        "compared by normalised path (`self.a` within one `impl` type, globals, and locals within one "
        "function, following `Arc::clone` aliases into closures). Reported once per pair, at the later "
        "site, naming both. Pairs where every lock taken is a read lock are ignored."
    ),
    why=(
        "Two threads running the two sites at once each hold the lock the other needs and wait forever. "
        "The PLDI'20 study counted 7 conflicting-order bugs among 59 blocking bugs, and lockbud (TSE'24) "
        "reported 27 more in real projects."
    ),
    example=(
        "fn deposit(&self) { let _a = self.accounts.lock(); let _l = self.ledger.lock(); }\n"
        "fn audit(&self) { let _l = self.ledger.lock(); let _a = self.accounts.lock(); }"
    ),
    fix=(
        "fn deposit(&self) { let _a = self.accounts.lock(); let _l = self.ledger.lock(); }\n"
        "fn audit(&self) { let _a = self.accounts.lock(); let _l = self.ledger.lock(); } // same order"
    ),
    limits=(
        "It cannot know whether the two sites run on different threads, nor see orders established in "
        "other files. Locks reached through different variables that are not visibly aliases are "
        "different locks to it."
    ),
    see_also="lockbud conflicting-lock-order detector; CWE-833 (deadlock).",
)

Pair = tuple[LockKey, LockKey]
_READS = (Kind.READ, Kind.READ_RECURSIVE)


def pairs(taken: list[Taken]) -> dict[Pair, Taken]:
    """First site per ordered pair (held, then taken) of different locks; try-locks never wait."""
    out: dict[Pair, Taken] = {}
    for t in taken:
        if t.kind is Kind.TRY or same_lock(t.held.key, t.key) is not None:
            continue
        out.setdefault((t.held.key, t.key), t)
    return out


def inverted(order: dict[Pair, Taken]) -> list[tuple[Taken, Taken]]:
    """Each inverted pair once, as (earlier site, later site)."""
    out = []
    for (a, b), t in order.items():
        other = order.get((b, a))
        if other is None or t.site.start_byte <= other.site.start_byte:
            continue
        if all(k in _READS for k in (t.held.kind, t.kind, other.held.kind, other.kind)):
            continue
        out.append((other, t))
    return out


def check(order: dict[Pair, Taken]) -> list[Hit]:
    hits = []
    for first, second in inverted(order):
        a, b = second.held.key.shown(), second.key.shown()
        message = (
            f"Lock order inversion: here `{a}` (line {second.held.call.start_point.row + 1}) is held while "
            f"`{b}` is taken{_via(second)}, but line {first.site.start_point.row + 1} holds `{b}` while taking "
            f"`{a}`{_via(first)}. Two threads running both paths can each hold one lock and wait forever for "
            "the other. Pick one global order for these locks and take them in that order everywhere, or "
            "release the first before taking the second."
        )
        construct = f"{second.held.key.path} -> {second.key.path} vs {first.held.key.path}".encode()
        hits.append(Hit(rule=RULE.id, node=second.site, message=message, construct=construct))
    return hits


def _via(t: Taken) -> str:
    return f" (via `{' → '.join(t.via)}`)" if t.via else ""
