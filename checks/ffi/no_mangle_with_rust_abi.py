"""`ffi/no-mangle-with-rust-abi`: an exported symbol whose function has the unstable Rust ABI."""

from __future__ import annotations

from tree_sitter import Node

from checks.context import FileContext, Hit
from checks.ffi.exported_symbol import construct, is_rust_abi_fn, spelling_note
from checks.ffi.items import EXPORT_ATTRS, SymbolAttr, fn_name
from checks.findings import Confidence, Severity
from checks.rules import Rule

ID = "ffi/no-mangle-with-rust-abi"

RULE = Rule(
    id=ID,
    severity=Severity.WARNING,
    confidence=Confidence.HIGH,
    summary="`#[no_mangle]` / `#[export_name]` on a fn with the Rust ABI, which foreign code cannot call",
    what=(
        "`#[no_mangle]` or `#[export_name = \"...\"]` (also `#[unsafe(...)]` and inside `cfg_attr`) on a "
        "`fn` that has no `extern` at all, so it uses the Rust ABI: free functions, methods, `unsafe fn`, "
        "any visibility. An explicit `extern \"Rust\"` is taken as deliberate and reported as "
        "`ffi/exported-symbol`."
    ),
    why=(
        "Exporting an unmangled symbol only makes sense for code outside this crate's Rust build, but the "
        "Rust ABI is unspecified and changes between compiler versions: a C or assembly caller that "
        "guesses the calling convention has undefined behaviour. The symbol can also collide with "
        "another one of the same name (rust-lang/rust#28179)."
    ),
    example="#[no_mangle]\npub fn plugin_entry(x: u32) -> u32 {\n    x + 1\n}",
    fix=(
        "// SAFETY: the name is unique to this plugin and matches plugin.h.\n"
        '#[unsafe(no_mangle)]\npub extern "C" fn plugin_entry(x: u32) -> u32 {\n    x + 1\n}'
    ),
    limits=(
        "A symbol exported for another Rust crate built by the same compiler (a rare, fragile setup) is "
        "reported too; write `extern \"Rust\"` to say so explicitly. Inside macro bodies (token "
        "trees) it is missed."
    ),
    see_also="Clippy `no_mangle_with_rust_abi`; rust-lang/rust#28179; RFC 3325.",
)


def check(ctx: FileContext, attr_item: Node, attrs: list[SymbolAttr], target: Node) -> list[Hit]:
    if not is_rust_abi_fn(target):
        return []
    return [
        Hit(ID, attr_item, _message(ctx, attr, target), construct=construct(ctx, attr_item, target), end_node=target)
        for attr in attrs if attr.name in EXPORT_ATTRS
    ]


def _message(ctx: FileContext, attr: SymbolAttr, target: Node) -> str:
    return (
        f"`{attr.name}` exports `fn {fn_name(target)}`, which uses the unstable Rust ABI: any C or "
        "assembly caller guesses a calling convention Rust never promised, which is undefined "
        "behaviour, and the global name can collide with another symbol (rust-lang/rust#28179). "
        "Declare it `extern \"C\"` (Clippy `no_mangle_with_rust_abi`), or drop the attribute if only "
        "Rust calls it." + spelling_note(ctx, attr)
    )
