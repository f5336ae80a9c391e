"""`unsafe/undocumented-impl`, `unsafe/documented-impl` and `unsafe/send-sync-impl`: new `unsafe impl`
items, with manual `Send`/`Sync` impls singled out (Rudra's Send/Sync variance class, detection.md §1)."""

from __future__ import annotations

import re

from tree_sitter import Node

from checks.context import Hit
from checks.findings import Confidence, Severity
from checks.rules import Rule
from checks.syntax import node_text
from checks.unsafe.placement import Lines, has_safety_comment

UNDOCUMENTED_IMPL = Rule(
    id="unsafe/undocumented-impl",
    severity=Severity.WARNING,
    confidence=Confidence.HIGH,
    summary="`unsafe impl` without a `// SAFETY:` comment",
    what=(
        "An `unsafe impl Trait for Type` (other than `Send`/`Sync`, which have their own rule) with no "
        "`SAFETY:` comment on the lines directly above it; blank lines and attributes may sit between."
    ),
    why=(
        "An unsafe trait states a contract the compiler cannot check (`GlobalAlloc` must return "
        "suitably aligned memory, `bytemuck::Pod` types must have no padding). Code elsewhere relies "
        "on it for memory safety, so the impl must say why this type meets it."
    ),
    limits="An `unsafe impl` written inside a `macro_rules!` body is not parsed, so it is not checked.",
    example=(
        "struct Bump;\n"
        "unsafe impl Marker for Bump {}\n"
        "unsafe trait Marker {}"
    ),
    fix=(
        "struct Bump;\n"
        "// SAFETY: `Bump` has no fields, so the layout contract of `Marker` holds trivially.\n"
        "unsafe impl Marker for Bump {}\n"
        "unsafe trait Marker {}"
    ),
    see_also="Clippy `undocumented_unsafe_blocks` (it covers `unsafe impl` too); rustc `unsafe_code`.",
)

DOCUMENTED_IMPL = Rule(
    id="unsafe/documented-impl",
    severity=Severity.NOTE,
    confidence=Confidence.HIGH,
    summary="new `unsafe impl` (with a SAFETY comment) for a reviewer to check",
    what="A new `unsafe impl` (other than `Send`/`Sync`) that carries a `// SAFETY:` comment above it.",
    why=(
        "The comment is the author's argument that the type meets the unsafe trait's contract; other "
        "code's soundness depends on it, so a second reader should check it."
    ),
    example=(
        "struct Bump;\n"
        "// SAFETY: `Bump` has no fields, so the layout contract of `Marker` holds trivially.\n"
        "unsafe impl Marker for Bump {}\n"
        "unsafe trait Marker {}"
    ),
    fix=(
        "struct Bump;\n"
        "// When no unsafe code relies on the contract, a safe trait needs no review at all.\n"
        "impl Marker for Bump {}\n"
        "trait Marker {}"
    ),
    see_also="Clippy `undocumented_unsafe_blocks`.",
)

SEND_SYNC_IMPL = Rule(
    id="unsafe/send-sync-impl",
    severity=Severity.ERROR,
    confidence=Confidence.MEDIUM,
    summary="manual `unsafe impl Send`/`Sync`: a wrong one is a data race",
    what=(
        "A new `unsafe impl Send for T` or `unsafe impl Sync for T` (also through `std::marker::` / "
        "`core::marker::` paths). It is reported as an error when it has no `// SAFETY:` comment above "
        "it or when it has type parameters and no `Send`/`Sync` bound at all (in its parameters or its "
        "`where` clause), and as a warning when documented and bounded."
    ),
    why=(
        "`Send` and `Sync` are what make data races impossible in safe Rust; a manual impl switches "
        "that proof off for the type. An impl like `unsafe impl<T> Send for Wrapper<T>` without "
        "`T: Send` lets safe code move an `Rc` or a `Cell` to another thread: Rudra (SOSP'21) found "
        "this Send/Sync variance bug class in dozens of crates, behind many RustSec advisories."
    ),
    limits=(
        "A parameter used only in `PhantomData<fn() -> T>` may legitimately need no bound; the check "
        "cannot see field types, so it still reports it (confidence medium). Once any `Send`/`Sync` bound "
        "appears the impl is not escalated, since other parameters are often type-level markers; so "
        "`impl<T: Send, U> Send` with a data-carrying `U` stays a warning when documented."
    ),
    example=(
        "struct Slot<T>(*mut T);\n"
        "unsafe impl<T> Send for Slot<T> {}"
    ),
    fix=(
        "// `Box<T>` is `Send` exactly when `T` is, so no manual impl (and no proof) is needed.\n"
        "struct Slot<T>(Box<T>);"
    ),
    see_also=(
        "Rudra's SV (Send/Sync variance) class; Clippy `non_send_fields_in_send_ty`; "
        "Clippy `undocumented_unsafe_blocks`; the Rustonomicon, \"Send and Sync\"."
    ),
)

_THREAD_TRAITS = ("Send", "Sync")


def check_impl(impl: Node, src: Lines) -> Hit:
    """One `unsafe impl`; manual Send/Sync impls get the data-race rule."""
    documented = has_safety_comment(impl, src)
    trait = _trait_name(impl)
    if trait in _THREAD_TRAITS:
        return _send_sync(impl, trait, documented)
    if documented:
        return Hit(DOCUMENTED_IMPL.id, impl, (
            "New `unsafe impl`. Its SAFETY comment is the argument that this type meets the unsafe "
            "trait's contract; check it, since code elsewhere relies on it for memory safety."))
    return Hit(UNDOCUMENTED_IMPL.id, impl, (
        "`unsafe impl` without a `// SAFETY:` comment. Code elsewhere relies on this type meeting the "
        "trait's unchecked contract, and a wrong impl is undefined behaviour there. Write above it "
        "`// SAFETY: <why the contract holds>` (Clippy's `undocumented_unsafe_blocks`)."))


def _send_sync(impl: Node, trait: str, documented: bool) -> Hit:
    unbounded = unbounded_params(impl)
    problems = []
    if unbounded:
        names = ", ".join(f"`{p}`" for p in unbounded)
        subject = f"type parameter {names} has" if len(unbounded) == 1 else f"type parameters {names} have"
        problems.append(f"{subject} no `Send`/`Sync` bound, so safe code can move or "
                        "share non-thread-safe values such as `Rc` or `Cell` (Rudra's Send/Sync variance bug class)")
    if not documented:
        problems.append("no `// SAFETY:` comment says why the type is thread-safe")
    message = (
        f"Manual `unsafe impl {trait}`: the compiler no longer proves this type free of data races. "
        + (("Here " + " and ".join(problems) + ". ") if problems else "")
        + f"Prefer fields that are `{trait}` already (atomics, `Mutex`); otherwise add the bounds and a "
        "SAFETY comment arguing thread safety."
    )
    severity = Severity.ERROR if problems else Severity.WARNING
    return Hit(SEND_SYNC_IMPL.id, impl, message, severity=severity)


def _trait_name(impl: Node) -> str | None:
    trait = impl.child_by_field_name("trait")
    if trait is None:
        return None
    text = node_text(trait)
    for prefix in ("::std::marker::", "::core::marker::", "std::marker::", "core::marker::"):
        text = text.removeprefix(prefix)
    return text


_THREAD_BOUND = re.compile(r"\b(Send|Sync)\b")


def unbounded_params(impl: Node) -> list[str]:
    """The impl's type parameters when neither they nor the `where` clause mention `Send`/`Sync`.

    `unsafe impl<T> Send for X<T>` with no thread bound anywhere is Rudra's SV pattern. Once any
    bound appears (`T: Send`, `A::Item: Send`, `Mutex<T>: Sync` needing only `T: Send`) the other
    parameters are often type-level markers (`N: ArrayLength`, allocators), which text cannot tell
    apart, so the check stays quiet about them."""
    params = impl.child_by_field_name("type_parameters")
    if params is None:
        return []
    clauses = [c for c in impl.named_children if c.type == "where_clause"]
    if any(_THREAD_BOUND.search(node_text(n)) for n in [params, *clauses]):
        return []
    names = (p.child_by_field_name("name") for p in params.named_children if p.type == "type_parameter")
    return [node_text(n) for n in names if n is not None]
