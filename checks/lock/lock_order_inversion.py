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
        "site, naming both. A cycle through three locks (A then B, B then C, C then A, as in lockbud's "
        "`conflict` toy) is reported once at the latest of its three sites. Cycles where every lock taken is a "
        "read lock are ignored."
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


def cycles(order: dict[Pair, Taken], inverted_pairs: set[Pair]) -> list[tuple[Taken, Taken, Taken]]:
    """Each three-lock cycle A→B, B→C, C→A once (no two of them already inverted), latest site last."""
    succ: dict[LockKey, list[LockKey]] = {}
    for a, b in order:
        succ.setdefault(a, []).append(b)
    out: list[tuple[Taken, Taken, Taken]] = []
    seen: set[frozenset[LockKey]] = set()
    for (a, b), first in order.items():
        for c in succ.get(b, []):
            third = order.get((c, a))
            ring = frozenset((a, b, c))
            if third is None or len(ring) < 3 or ring in seen:
                continue
            steps = [first, order[(b, c)], third]
            if any((t.held.key, t.key) in inverted_pairs for t in steps):
                continue
            if all(k in _READS for t in steps for k in (t.held.kind, t.kind)):
                continue
            seen.add(ring)
            x, y, z = sorted(steps, key=lambda t: t.site.start_byte)
            out.append((x, y, z))
    return out


def check(order: dict[Pair, Taken]) -> list[Hit]:
    inverted_pairs = {(t.held.key, t.key) for pair in inverted(order) for t in pair}
    hits = [_cycle_hit(ring) for ring in cycles(order, inverted_pairs)]
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


def _cycle_hit(ring: tuple[Taken, Taken, Taken]) -> Hit:
    *earlier, last = ring
    others = "; ".join(f"line {t.site.start_point.row + 1} holds `{t.held.key.shown()}` while taking "
                       f"`{t.key.shown()}`{_via(t)}" for t in earlier)
    message = (
        f"Lock order cycle: here `{last.held.key.shown()}` (line {last.held.call.start_point.row + 1}) is held "
        f"while `{last.key.shown()}` is taken{_via(last)}; {others}. Three threads running these paths can each "
        "hold one lock and wait forever for the next. Pick one global order for these locks and take them in "
        "that order everywhere, or release the first before taking the second."
    )
    keys = sorted(t.held.key.path for t in ring)
    return Hit(rule=RULE.id, node=last.site, message=message, construct=f"cycle {' '.join(keys)}".encode())


def _via(t: Taken) -> str:
    return f" (via `{' → '.join(t.via)}`)" if t.via else ""
