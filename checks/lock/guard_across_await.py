"""`lock/guard-across-await`: a blocking (std/parking_lot) lock guard alive at an `.await`."""

from __future__ import annotations

from checks.context import Hit
from checks.findings import Confidence, Severity
from checks.lock.acquire import FunctionFacts, Kind
from checks.lock.lifetime import held_at
from checks.rules import Rule

RULE = Rule(
    id="lock/guard-across-await",
    severity=Severity.WARNING,
    confidence=Confidence.MEDIUM,
    summary="blocking lock guard held across an `.await`",
    what=(
        "A guard from a blocking `.lock()`, `.read()`, `.write()` or configured wrapper (one not followed by "
        "`.await`, so a std or parking_lot lock) that is still alive at an `.await` in the same async body. "
        "Lifetimes follow the same temporary-scope rules as `lock/double-lock`; an explicit `drop(guard)` "
        "before the `.await` ends the guard (Clippy's known false positive #6446 is not repeated). Guards "
        "of async locks (`.lock().await`: tokio, futures, async-std) are never reported: they are made "
        "for this."
    ),
    why=(
        "While the task is suspended the thread runs other tasks; one of them that takes the same lock "
        "blocks the executor thread, and the whole runtime can deadlock. A std `MutexGuard` is also "
        "`!Send`, so the future cannot move to another worker thread."
    ),
    example=(
        "async fn refresh(&self) {\n"
        "    let mut cache = self.cache.lock().unwrap();\n"
        "    cache.insert(key, fetch().await); // guard alive across the await\n"
        "}"
    ),
    fix=(
        "async fn refresh(&self) {\n"
        "    let value = fetch().await;\n"
        "    self.cache.lock().unwrap().insert(key, value);\n"
        "}"
    ),
    limits=(
        "The lock type is not known: a blocking-looking `.lock()` on an async lock's synchronous "
        "`try_lock`/`blocking_lock` path is not reported, and a custom type with a `lock()` method returning "
        "something that is not a guard would be."
    ),
    see_also="Clippy `await_holding_lock`, `await_holding_refcell_ref`; tokio docs \"Which kind of mutex should "
             "you use?\".",
)


def check(facts: FunctionFacts) -> list[Hit]:
    hits: list[Hit] = []
    for a in facts.acquisitions:
        if a.is_async or a.kind is Kind.TRY or a.region is None:
            continue
        region = a.region
        awaited = next((w for w in facts.awaits if held_at(region, a.call, w, w.end_byte - 1)), None)
        if awaited is None:
            continue
        message = (
            f"The guard of `{a.key.shown()}` taken by {a.shown()} is still alive at the `.await` on line "
            f"{awaited.end_point.row + 1} ({region.reason}). A blocking std/parking_lot guard held while the "
            "task is suspended blocks every other task that needs the lock and can deadlock the executor. "
            "Drop the guard before awaiting (copy out what you need, or `drop(guard)`), or use an async "
            "lock such as `tokio::sync::Mutex` (Clippy `await_holding_lock`)."
        )
        hits.append(Hit(rule=RULE.id, node=a.call, message=message, end_node=awaited,
                        construct=f"{a.key.path}.{a.method} await".encode()))
    return hits
