"""`ffi/link-section`: `#[link_section]` places an item in a linker section chosen by hand."""

from __future__ import annotations

from tree_sitter import Node

from checks.context import FileContext, Hit
from checks.ffi.exported_symbol import construct, spelling_note
from checks.ffi.items import SymbolAttr, item_label
from checks.findings import Confidence, Severity
from checks.rules import Rule

ID = "ffi/link-section"

RULE = Rule(
    id=ID,
    severity=Severity.WARNING,
    confidence=Confidence.MEDIUM,
    summary="`#[link_section]` item: the linker and loader act on it outside Rust's checks",
    what=(
        "`#[link_section = \"...\"]` on a `fn` or `static`, also spelled `#[unsafe(link_section = ...)]` "
        "and inside `#[cfg_attr(cond, ...)]` at any depth."
    ),
    why=(
        "The section decides what the linker and the loader do with the bytes: entries of `.init_array` "
        "run before `main` with no Rust runtime set up, code placed in a data section or data in a "
        "read-only or executable one breaks the compiler's assumptions, and the section's consumer "
        "(a bootloader, a kernel, a registry macro) reads the item with a type Rust never checks. rustc's "
        "`unsafe_code` lint counts it as unsafe and edition 2024 requires `#[unsafe(link_section)]` "
        "(RFC 3325)."
    ),
    example='#[link_section = ".init_array"]\nstatic INIT: extern "C" fn() = setup;\nextern "C" fn setup() {}',
    fix=(
        "// SAFETY: `.init_array` entries are `extern \"C\" fn()`; `setup` touches no Rust runtime state.\n"
        '#[unsafe(link_section = ".init_array")]\nstatic INIT: extern "C" fn() = setup;\n'
        'extern "C" fn setup() {}'
    ),
    limits=(
        "Medium confidence: embedded and kernel code use sections routinely and correctly; the rule asks "
        "for a reviewer, it does not prove a bug. Inside macro bodies (token trees) it is missed."
    ),
    see_also="rustc `unsafe_code`; RFC 3325 (unsafe attributes); the Rust Reference, \"link_section\".",
)


def check(ctx: FileContext, attr_item: Node, attrs: list[SymbolAttr], target: Node) -> list[Hit]:
    return [
        Hit(ID, attr_item, _message(ctx, attr, target), construct=construct(ctx, attr_item, target), end_node=target)
        for attr in attrs if attr.name == "link_section"
    ]


def _message(ctx: FileContext, attr: SymbolAttr, target: Node) -> str:
    section = f"`{attr.value}`" if attr.value else "a hand-chosen section"
    return (
        f"`link_section` puts `{item_label(target)}` in {section}, where the linker and loader act on it "
        "outside Rust's checks (e.g. `.init_array` entries run before `main`, and the section's reader "
        "assumes a type Rust never verifies). State in a `// SAFETY:` comment what reads the section "
        "and why this item's type and contents are what it expects." + spelling_note(ctx, attr)
    )
