"""`lock/double-lock`: a lock taken again while a guard of it is alive (research/detection.md §5)."""

from __future__ import annotations

from checks.context import Hit
from checks.findings import Confidence, Severity
from checks.lock.acquire import Kind
from checks.lock.held import Taken
from checks.lock.identity import REENTRANT, same_lock
from checks.rules import Rule

RULE = Rule(
    id="lock/double-lock",
    severity=Severity.ERROR,
    confidence=Confidence.HIGH,
    summary="lock taken again while a guard of the same lock is alive",
    what=(
        "A `.lock()`, `.write()`, `.read()`, `.upgradable_read()` (or `.await` form, or a configured "
        "wrapper such as `wl()`) on a receiver whose guard from an earlier lock is still alive, in the "
        "same function or in a same-file callee up to three calls deep (`self.f()`, `Self::f()`, `T::f()`, "
        "`f(&x)` with the callee's parameter mapped to the argument, and `x.f()` when one `impl` of the file "
        "defines `f`). A same-file method returning a guard (`fn state(&self) -> MutexGuard<…>`) counts as "
        "taking that lock at each call, and locks written inside expression macros (`assert!`, `println!`, "
        "`debug!`) are held until the macro's expression ends. "
        "Guard lifetimes follow Rust's temporary scopes per edition: a `match` scrutinee's temporaries "
        "live through every arm; an `if let` scrutinee's through the then-block and, before edition "
        "2024, the else-block; `while let` through the body; a plain `if`/`while` condition's end with "
        "the condition; `let g = …` lasts to the end of the block unless `drop(g)` or a move ends it; "
        "`let _ = m.lock()` drops at once; statement temporaries live to the `;`. Read→read of one "
        "`RwLock` is reported as a warning; parking_lot `read_recursive` is not reported."
    ),
    why=(
        "`Mutex` and `RwLock` are not reentrant: the thread waits for itself forever (std may panic "
        "instead). A read guard followed by another read deadlocks as soon as a writer queues between "
        "them. In the PLDI'20 study of Rust concurrency bugs, 30 of 59 blocking bugs were double locks "
        "(11 with the first lock in a `match` or `if let` scrutinee); lockbud (TSE'24) then reported "
        "52 more in 22 applications such as TiKV, Solana, Parity and qdrant."
    ),
    example=(
        "match self.cache.lock().unwrap().get(&k) {\n"
        "    Some(v) => v.clone(),\n"
        "    None => self.cache.lock().unwrap().insert(k, load()), // deadlock\n"
        "}"
    ),
    fix=(
        "let cached = self.cache.lock().unwrap().get(&k).cloned(); // guard dropped at `;`\n"
        "match cached {\n"
        "    Some(v) => v,\n"
        "    None => self.cache.lock().unwrap().insert(k, load()),\n"
        "}"
    ),
    limits=(
        "Syntax only: two receivers are the same lock when their normalised paths match (locals bound to "
        "`&self.m` or `Arc::clone(&m)` are followed); the same field reached through different bases is "
        "reported at low confidence. Calls are resolved only within the file; a call on another receiver is "
        "matched by method name alone (not for common std names such as `len` or `get`) and reported at low "
        "confidence. A guard dropped in one branch counts as dropped from that point on. Macro arguments with "
        "statements, match arms or closures (`select!`, `quote!`) are not read, and locks in other files, "
        "trait objects and callbacks are not followed."
    ),
    see_also=(
        "Clippy `significant_drop_in_scrutinee`, `if_let_mutex` (off in edition 2024), "
        "`let_underscore_lock`; rustc `if_let_rescope`; lockbud (TSE'24); CWE-667, CWE-833."
    ),
)

_RELOCK = {
    Kind.EXCLUSIVE: "a `Mutex` is not reentrant, so this thread waits for itself forever (std may panic instead)",
    Kind.WRITE: "a write guard excludes every other guard of the `RwLock`, so this thread waits for itself",
    Kind.UPGRADABLE: "only one upgradable guard may exist and it blocks writers, so this thread waits for itself",
}
_READ_READ = ("a second read guard on one thread deadlocks once a writer queues between the two reads "
              "(std and parking_lot block new readers behind a waiting writer)")


def conflict(first: Kind, second: Kind) -> str | None:
    """Why `second` blocks while `first` is held; None when it cannot (try_lock, compatible reads)."""
    if second is Kind.TRY:
        return None
    readish = (Kind.READ, Kind.READ_RECURSIVE)
    if first in readish and second in readish:
        return _READ_READ if second is Kind.READ else None
    if (first in readish and second is Kind.UPGRADABLE) or (first is Kind.UPGRADABLE and second in readish):
        return None
    if first in readish:
        return "a write lock waits for every read guard, including the one this thread holds"
    return _RELOCK.get(first if first is not Kind.TRY else Kind.EXCLUSIVE, _RELOCK[Kind.EXCLUSIVE])


def check(taken: list[Taken], edition: int) -> list[Hit]:
    hits: list[Hit] = []
    seen: set[int] = set()
    for t in taken:
        conf = same_lock(t.held.key, t.key)
        why = conflict(t.held.kind, t.kind)
        if conf is not Confidence.HIGH or why is None or t.key.path in REENTRANT or t.site.id in seen:
            continue
        seen.add(t.site.id)
        hits.append(_hit(t, conf, why))
    return hits


def _hit(t: Taken, conf: Confidence, why: str) -> Hit:
    held, region = t.held, t.held.region
    assert region is not None
    line = held.call.start_point.row + 1
    where = f"`.{t.method}()`" if not t.via else (
        f"`{' → '.join(t.via)}` (which calls `.{t.method}()` on line {t.inner.start_point.row + 1})")
    read_read = why == _READ_READ
    if t.via and conf is Confidence.HIGH:
        conf = Confidence.LOW if t.guessed else Confidence.MEDIUM
    message = (
        f"`{t.key.shown()}` is locked again here by {where} while the guard from {held.shown()} on line "
        f"{line} is still alive: {region.reason}. {why[0].upper()}{why[1:]}. {_fix(region.binding)}"
    )
    construct = f"{held.key.path}.{held.method} -> {t.key.path}.{t.method} {'/'.join(t.via)}".encode()
    return Hit(rule=RULE.id, node=t.site, message=message, construct=construct,
               severity=Severity.WARNING if read_read or conf is Confidence.LOW else None, confidence=conf)


def _fix(binding: str) -> str:
    if binding:
        return (f"Reuse the guard `{binding}`, or end it with `drop({binding})` (or a narrower block) before "
                "locking again (Clippy `significant_drop_tightening`).")
    return ("Bind the value you need first (`let v = m.lock().unwrap().get(..).cloned();`) so the guard drops "
            "before the relock, or narrow its scope (Clippy `significant_drop_in_scrutinee`, `if_let_mutex`).")
