"""`unsafe/static-mut`: a new `static mut`, global state that every access touches unsynchronised."""

from __future__ import annotations

from tree_sitter import Node

from checks.context import Hit
from checks.findings import Confidence, Severity
from checks.rules import Rule

STATIC_MUT = Rule(
    id="unsafe/static-mut",
    severity=Severity.WARNING,
    confidence=Confidence.HIGH,
    summary="new `static mut`: every access is unsafe and unsynchronised",
    what=(
        "A new `static mut` item, at module level or inside a function, trait or impl. `static mut` "
        "declarations inside `extern` blocks (foreign globals such as `errno`) belong to the `ffi` "
        "family."
    ),
    why=(
        "Every read or write of a `static mut` is `unsafe`, and nothing stops two threads, or a "
        "re-entrant call, from touching it at once: that is a data race, which is undefined behaviour. "
        "Even taking `&STATIC` creates a reference that may alias a write; rustc's `static_mut_refs` "
        "lint warns on that and is deny-by-default in edition 2024."
    ),
    limits="Reports the declaration, not the accesses (a syntactic check cannot resolve every path).",
    example="static mut COUNTER: u64 = 0;",
    fix=(
        "use std::sync::atomic::{AtomicU64, Ordering};\n"
        "static COUNTER: AtomicU64 = AtomicU64::new(0);\n"
        "fn bump() -> u64 {\n"
        "    COUNTER.fetch_add(1, Ordering::Relaxed)\n"
        "}"
    ),
    see_also=(
        "rustc `static_mut_refs` (edition 2024: deny); the edition guide, \"Disallow references to "
        "static mut\"; `std::sync::OnceLock`, `Mutex`, atomics, `SyncUnsafeCell` (nightly)."
    ),
)


def check_static_mut(item: Node, edition: int) -> Hit | None:
    """A `static mut` outside `extern` blocks."""
    cur = item.parent
    while cur is not None:
        if cur.type == "foreign_mod_item":
            return None
        cur = cur.parent
    refs = ("taking a reference to it is denied in edition 2024 (`static_mut_refs`)" if edition >= 2024
            else "references to it are warned about by `static_mut_refs` and denied from edition 2024")
    return Hit(STATIC_MUT.id, item, (
        f"New `static mut`: every access is `unsafe` and unsynchronised, so two threads or a "
        f"re-entrant call touching it is a data race (undefined behaviour); {refs}. Use an atomic, "
        "a `Mutex`/`RwLock`, `OnceLock`/`LazyLock` for lazy init, or `SyncUnsafeCell` with a "
        "documented access protocol."))
