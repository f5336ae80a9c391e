"""`unsafe/unsafe-fn`, `unsafe/unsafe-trait` and `unsafe/missing-safety-doc`: new items whose callers
or implementors must uphold a contract, and public ones whose docs do not state it (detection.md §2.1)."""

from __future__ import annotations

from tree_sitter import Node

from checks.context import Hit
from checks.findings import Confidence, Severity
from checks.rules import Rule
from checks.unsafe.safety_doc import item_docs

UNSAFE_FN = Rule(
    id="unsafe/unsafe-fn",
    severity=Severity.NOTE,
    confidence=Confidence.HIGH,
    summary="new `unsafe fn` whose callers must uphold an unchecked contract",
    what=(
        "A new `unsafe fn`: a free function, an inherent or trait-impl method, or a method declared in "
        "a trait (with or without a default body). Public ones without a `# Safety` section are "
        "reported as `unsafe/missing-safety-doc` instead. Functions in `extern` blocks belong to the "
        "`ffi` family."
    ),
    why=(
        "`unsafe fn` moves a proof obligation to every caller. A missing or vague precondition, or a "
        "body that relies on more than the documented contract, becomes undefined behaviour in code "
        "that looked correct (Qin et al., PLDI'20, count 1,302 unsafe fns in their study apps)."
    ),
    limits="Notes every new unsafe fn; it cannot judge whether the `unsafe` is needed.",
    example=(
        "/// Reads the first byte.\n"
        "///\n"
        "/// # Safety\n"
        "/// `p` must be valid for a one-byte read.\n"
        "pub unsafe fn first(p: *const u8) -> u8 {\n"
        "    // SAFETY: the caller guarantees `p` is readable.\n"
        "    unsafe { *p }\n"
        "}"
    ),
    fix=(
        "/// Reads the first byte; a slice carries its own bounds, so no contract is needed.\n"
        "pub fn first(v: &[u8]) -> Option<u8> {\n"
        "    v.first().copied()\n"
        "}"
    ),
    see_also="rustc `unsafe_code`, `unsafe_op_in_unsafe_fn`; Clippy `missing_safety_doc`.",
)

UNSAFE_TRAIT = Rule(
    id="unsafe/unsafe-trait",
    severity=Severity.NOTE,
    confidence=Confidence.HIGH,
    summary="new `unsafe trait` whose implementors promise an unchecked contract",
    what=(
        "A new `unsafe trait` declaration. Public ones without a `# Safety` section are reported as "
        "`unsafe/missing-safety-doc` instead."
    ),
    why=(
        "Unsafe code may rely on every implementor of an unsafe trait for memory safety, so the trait "
        "must state exactly what implementors promise, and that promise must be enough for its users."
    ),
    example=(
        "/// Types with no padding bytes.\n"
        "///\n"
        "/// # Safety\n"
        "/// Every bit pattern of `Self` must be a valid value.\n"
        "pub unsafe trait Plain {}"
    ),
    fix=(
        "/// A safe marker trait when no unsafe code relies on the promise.\n"
        "pub trait Plain {}"
    ),
    see_also="rustc `unsafe_code`; Clippy `missing_safety_doc`.",
)

MISSING_SAFETY_DOC = Rule(
    id="unsafe/missing-safety-doc",
    severity=Severity.WARNING,
    confidence=Confidence.HIGH,
    summary="public unsafe fn or trait without a `# Safety` doc section",
    what=(
        "A `pub unsafe fn` (free or inherent method), an `unsafe fn` declared in a `pub trait`, or a "
        "`pub unsafe trait` whose doc comments (`///`, `/** */` or `#[doc = \"..\"]`) have no Markdown "
        "heading whose text is exactly `Safety`, `SAFETY` or `Implementation safety` (any level). "
        "Private and `pub(crate)` items, trait-impl methods, items in private inline modules and items "
        "under `#[doc(hidden)]` are exempt, as in Clippy."
    ),
    why=(
        "Callers of a public unsafe API can only uphold a contract they can read. Without a `# Safety` "
        "section every caller guesses, and one wrong guess is undefined behaviour in someone else's "
        "crate. Clippy's `missing_safety_doc` warns on this by default."
    ),
    limits=(
        "A `pub` item in a file module is treated as exported (the `mod` line is in another file), and "
        "so is a `pub` method of a private type; a `pub` fn in a private inline module that is "
        "re-exported with `pub use` is missed. "
        "`#[doc = include_str!(..)]` is trusted to hold the section."
    ),
    example=(
        "/// Reads the first byte.\n"
        "pub unsafe fn first(p: *const u8) -> u8 {\n"
        "    // SAFETY: forwarded to the caller.\n"
        "    unsafe { *p }\n"
        "}"
    ),
    fix=(
        "/// Reads the first byte.\n"
        "///\n"
        "/// # Safety\n"
        "/// `p` must be non-null, aligned and valid for a one-byte read.\n"
        "pub unsafe fn first(p: *const u8) -> u8 {\n"
        "    // SAFETY: forwarded to the caller.\n"
        "    unsafe { *p }\n"
        "}"
    ),
    see_also=(
        "Clippy `missing_safety_doc`; the Rust API guidelines, C-FAILURE (\"Function docs include "
        "error, panic, and safety considerations\")."
    ),
)


def check_fn(item: Node, source: bytes) -> Hit | None:
    """A new `unsafe fn` or trait method declaration; `None` inside `extern` blocks (ffi's)."""
    if _inside(item, "foreign_mod_item"):
        return None
    docs = item_docs(item)
    construct = _header(item, source)
    if docs.exported and not docs.hidden and not docs.has_safety_section:
        return Hit(MISSING_SAFETY_DOC.id, item, (
            "Public `unsafe fn` without a `# Safety` doc section. Callers cannot uphold a contract "
            "they cannot read, and a wrong guess is undefined behaviour in their code. Add a "
            "`/// # Safety` section listing what the caller must guarantee (Clippy's "
            "`missing_safety_doc`)."), construct=construct)
    return Hit(UNSAFE_FN.id, item, (
        "New `unsafe fn`: every caller must uphold a contract the compiler cannot check. Check that "
        "its `# Safety` section states the whole contract and that the body relies on nothing more; "
        "if no caller-side precondition exists, make it a safe fn."), construct=construct)


def check_trait(item: Node, source: bytes) -> Hit:
    """A new `unsafe trait`."""
    docs = item_docs(item)
    construct = _header(item, source)
    if docs.exported and not docs.hidden and not docs.has_safety_section:
        return Hit(MISSING_SAFETY_DOC.id, item, (
            "Public `unsafe trait` without a `# Safety` doc section. Implementors cannot keep a "
            "promise nobody wrote down, and unsafe code relying on it breaks when they guess wrong. "
            "Add a `/// # Safety` section stating what every implementor must guarantee (Clippy's "
            "`missing_safety_doc`)."), construct=construct)
    return Hit(UNSAFE_TRAIT.id, item, (
        "New `unsafe trait`: unsafe code may rely on every implementor's promise for memory safety. "
        "Check that its `# Safety` section states that promise completely; if nothing relies on it, "
        "make it a safe trait."), construct=construct)


def _header(item: Node, source: bytes) -> bytes:
    """Signature without the body: the contract's identity survives edits to the body."""
    body = item.child_by_field_name("body")
    return source[item.start_byte : body.start_byte if body is not None else item.end_byte]


def _inside(node: Node, kind: str) -> bool:
    cur = node.parent
    while cur is not None:
        if cur.type == kind:
            return True
        cur = cur.parent
    return False

