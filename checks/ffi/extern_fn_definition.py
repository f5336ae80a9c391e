"""`ffi/extern-fn-definition`: a Rust fn defined with a foreign ABI, so C code can call it."""

from __future__ import annotations

from tree_sitter import Node

from checks.context import FileContext, Hit
from checks.ffi.items import (
    EXPORT_ATTRS,
    attributes_above,
    explicit_abi,
    fn_name,
    is_rust_abi,
    is_unwind_abi,
    signature_text,
    symbol_attrs,
)
from checks.findings import Confidence, Severity, normalize_construct
from checks.rules import Rule

ID = "ffi/extern-fn-definition"

RULE = Rule(
    id=ID,
    severity=Severity.NOTE,
    confidence=Confidence.HIGH,
    summary="fn defined with a foreign ABI (`extern \"C\"` ...), callable from C with unchecked arguments",
    what=(
        "A function *definition* (with a body) whose ABI is not Rust: `extern \"C\" fn`, bare "
        "`extern fn` (which means C), `extern \"C-unwind\"`, `extern \"system\"`, `extern \"stdcall\"` "
        "and the rest, as free functions or methods, `pub` or not, `unsafe` or not. Function-pointer "
        "types (`type Cb = unsafe extern \"C\" fn()`, parameters and fields of such types), "
        "`extern \"Rust\"` functions and `extern crate` are not reported. A function that also has "
        "`#[no_mangle]` or `#[export_name]` is reported once, as `ffi/exported-symbol`."
    ),
    why=(
        "Such a function exists to be called from C, usually as a callback. C passes whatever it "
        "likes: pointers may be null or dangling and lengths wrong, the parameter types must have a C "
        "layout (`improper_ctypes_definitions`), and a panic must not unwind out of it. Panics escaping "
        "C callbacks are the classic RustSec FFI bug (RUSTSEC-2019-0038, RUSTSEC-2019-0022); since Rust "
        "1.81 they abort the process instead of being undefined behaviour."
    ),
    example=(
        'extern "C" fn on_event(data: *const u8, len: usize) {\n'
        "    let bytes = unsafe { std::slice::from_raw_parts(data, len) };\n"
        '    println!("{}", bytes.len());\n}'
    ),
    fix=(
        'extern "C" fn on_event(data: *const u8, len: usize) -> i32 {\n'
        "    if data.is_null() {\n        return -1;\n    }\n"
        "    // SAFETY: the C caller documents `data` as valid for `len` bytes during the call.\n"
        "    let bytes = unsafe { std::slice::from_raw_parts(data, len) };\n"
        "    std::panic::catch_unwind(|| bytes.len() as i32).unwrap_or(-1)\n}"
    ),
    limits=(
        "A note, not a bug claim: most such functions are fine, and whether C really calls this one is "
        "not visible syntactically. The identity is the signature, so body edits are not reported again "
        "(see `ffi/panic-in-extern-fn` for new panic sites). Inside macro bodies the function is found "
        "by scanning tokens (medium confidence), and its body is not checked for panics."
    ),
    see_also=(
        "rustc `improper_ctypes_definitions`; RFC 2945 (`C-unwind`); RUSTSEC-2019-0038; RUSTSEC-2019-0022; "
        "research/detection.md §3.3."
    ),
)


def check(ctx: FileContext, fn: Node) -> list[Hit]:
    abi = explicit_abi(fn)
    if abi is None or is_rust_abi(abi) or fn.child_by_field_name("body") is None or is_exported(fn):
        return []
    construct = normalize_construct(signature_text(fn, ctx.source))
    return [Hit(ID, fn, _message(fn, abi), construct=construct)]


def is_exported(fn: Node) -> bool:
    return any(a.name in EXPORT_ATTRS for attr in attributes_above(fn) for a in symbol_attrs(attr))


def _message(fn: Node, abi: str) -> str:
    unwind = (
        "a panic may unwind into the caller, which must be built to handle it"
        if is_unwind_abi(abi) else
        "a panic escaping it aborts the process (Rust 1.81+; undefined behaviour before)"
    )
    return (
        f"`extern \"{abi}\" fn {fn_name(fn)}` is meant to be called from C, which passes unchecked "
        f"arguments (null or dangling pointers, wrong lengths); {unwind}. Check pointer arguments at the "
        "boundary, keep parameter types FFI-safe (`improper_ctypes_definitions`) and catch panics with "
        "`std::panic::catch_unwind` (RUSTSEC-2019-0038 class)."
    )
