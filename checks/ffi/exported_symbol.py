"""`ffi/exported-symbol`: `#[no_mangle]` / `#[export_name]` put an item under a global linker name."""

from __future__ import annotations

from tree_sitter import Node

from checks.context import FileContext, Hit
from checks.ffi.items import EXPORT_ATTRS, SymbolAttr, abi_of, explicit_abi, fn_name, item_label, signature_text
from checks.findings import Confidence, Severity, normalize_construct
from checks.rules import Rule

ID = "ffi/exported-symbol"

RULE = Rule(
    id=ID,
    severity=Severity.WARNING,
    confidence=Confidence.HIGH,
    summary="`#[no_mangle]` / `#[export_name]` item: an unmangled global symbol that can collide",
    what=(
        "`#[no_mangle]` or `#[export_name = \"...\"]` on a function with a declared ABI "
        "(`extern \"C\"`, `extern \"Rust\"`, ...) or on a `static`, in every spelling: the edition-2024 "
        "`#[unsafe(no_mangle)]`, and either form inside `#[cfg_attr(cond, ...)]` at any depth. A "
        "function with the implicit Rust ABI gets `ffi/no-mangle-with-rust-abi` instead. An exported "
        "`extern \"C\"` function is reported here only (not also as `ffi/extern-fn-definition`), and the "
        "message covers what C callers can do to it."
    ),
    why=(
        "The symbol is global across the final binary. Another crate or C library exporting the same "
        "name collides: the link fails, or one definition silently replaces the other and callers run "
        "code with a different signature, breaking memory safety without any `unsafe` keyword "
        "(rust-lang/rust#28179). That is why rustc's `unsafe_code` lint counts these attributes and "
        "edition 2024 requires `#[unsafe(no_mangle)]` (RFC 3325). An exported `extern \"C\"` function "
        "is also called by C with whatever arguments C passes: its parameter types must be FFI-safe "
        "(`improper_ctypes_definitions`) and a panic must not unwind out of it."
    ),
    example='#[no_mangle]\npub extern "C" fn init(flags: u32) -> i32 {\n    flags as i32\n}',
    fix=(
        "// SAFETY: `mylib_init` is unique to this crate and matches `int mylib_init(uint32_t)` in\n"
        "// mylib.h.\n"
        '#[unsafe(export_name = "mylib_init")]\npub extern "C" fn init(flags: u32) -> i32 {\n'
        "    flags as i32\n}"
    ),
    limits=(
        "The identity is the attribute plus the item's signature (not its body), so editing the body "
        "is not reported again while renaming the symbol or changing a parameter is. Whether a name "
        "actually collides needs the whole link; the rule cannot tell. Inside macro bodies only an "
        "export attribute above an `extern \"ABI\" fn` is found (by scanning tokens, medium "
        "confidence); one on a `static` there is missed, as is any attribute a proc-macro generates."
    ),
    see_also=(
        "rustc `unsafe_code` and `unsafe_attr_outside_unsafe`; RFC 3325 (unsafe attributes); "
        "rust-lang/rust#28179; `improper_ctypes_definitions`; cargo-geiger counts these items as unsafe."
    ),
)


def check(ctx: FileContext, attr_item: Node, attrs: list[SymbolAttr], target: Node) -> list[Hit]:
    hits = []
    for attr in attrs:
        if attr.name not in EXPORT_ATTRS or is_rust_abi_fn(target):
            continue
        hits.append(Hit(ID, attr_item, _message(ctx, attr, target), construct=construct(ctx, attr_item, target),
                        end_node=target))
    return hits


def is_rust_abi_fn(target: Node) -> bool:
    """A fn with no `extern` at all (an explicit `extern "Rust"` is a deliberate choice, as in Clippy)."""
    return target.type == "function_item" and explicit_abi(target) is None


def construct(ctx: FileContext, attr_item: Node, target: Node) -> bytes:
    return normalize_construct(ctx.source[attr_item.start_byte:attr_item.end_byte] + b" "
                               + signature_text(target, ctx.source))


def spelling_note(ctx: FileContext, attr: SymbolAttr) -> str:
    """RFC 3325: edition 2024 rejects the bare spelling; earlier editions accept both (1.82+)."""
    if attr.wrapped:
        return ""
    spelled = f'{attr.name} = "{attr.value}"' if attr.value else attr.name
    if ctx.edition >= 2024:
        return f" Edition 2024 rejects the bare spelling: write `#[unsafe({spelled})]`."
    return f" Prefer `#[unsafe({spelled})]` (Rust 1.82+), the spelling edition 2024 requires."


def _message(ctx: FileContext, attr: SymbolAttr, target: Node) -> str:
    symbol = attr.value or fn_name(target)
    text = (
        f"`{attr.name}` exports `{item_label(target)}` as the global symbol `{symbol}`. Another crate or C "
        "library with the same symbol collides, and a silent replacement runs code with the wrong "
        "signature without any `unsafe` (rust-lang/rust#28179, RFC 3325); give the symbol a "
        "crate-specific prefix and write a `// SAFETY:` note on why it is unique."
    )
    if target.type == "function_item" and not abi_of(target).startswith("Rust"):
        text += (
            " C calls it with whatever it passes: parameter types must be FFI-safe "
            "(`improper_ctypes_definitions`) and a panic must not escape (since Rust 1.81 it aborts)."
        )
    return text + spelling_note(ctx, attr)
