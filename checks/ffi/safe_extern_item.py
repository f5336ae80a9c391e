"""`ffi/safe-extern-item`: a foreign fn or static marked `safe` inside an `unsafe extern` block."""

from __future__ import annotations

from tree_sitter import Node

from checks.context import FileContext, Hit
from checks.ffi.extern_declaration import decl_text, declarations, safe_marker
from checks.ffi.items import block_abi, item_label
from checks.findings import Confidence, Severity
from checks.rules import Rule

ID = "ffi/safe-extern-item"

RULE = Rule(
    id=ID,
    severity=Severity.WARNING,
    confidence=Confidence.HIGH,
    summary="foreign item declared `safe`: callers need no `unsafe`, so a wrong signature is silent UB",
    what=(
        "A `safe fn` or `safe static` inside an `unsafe extern \"C\" { ... }` block (Rust 1.82+, the "
        "normal form in edition 2024). Each `safe` declaration is reported on its own, also when it is "
        "only one edit in an existing block, including when `safe` is added to a declaration that was "
        "already there."
    ),
    why=(
        "`safe` is an unchecked promise by the block's author that calling the function (or reading the "
        "static) is sound for every possible argument. Callers then write no `unsafe` at all, so nothing "
        "at the call site invites review. If the declared signature differs from the C definition, or "
        "the C function has preconditions (non-null pointers, valid lengths, thread affinity), safe Rust "
        "code gets undefined behaviour."
    ),
    example='unsafe extern "C" {\n    pub safe fn abs(x: i32) -> i32;\n    pub safe fn free(p: *mut u8);\n}',
    fix=(
        'unsafe extern "C" {\n    fn abs(x: i32) -> i32;\n    fn free(p: *mut u8);\n}\n'
        "pub fn checked_abs(x: i32) -> Option<i32> {\n"
        "    // SAFETY: C's abs is defined for every input except i32::MIN, excluded here.\n"
        "    if x == i32::MIN { None } else { Some(unsafe { abs(x) }) }\n}"
    ),
    limits=(
        "tree-sitter-rust 0.24 does not know the `safe` keyword: it parses it as an ERROR node, which "
        "this rule reads on purpose (the file is still listed under parse errors in the coverage). "
        "Whether the promise holds (the function really has no preconditions) cannot be decided "
        "syntactically; the finding asks a reviewer to confirm it. Inside macro bodies (token trees) "
        "it is missed; the block itself is still reported by `ffi/extern-declaration`."
    ),
    see_also=(
        "RFC 3484 (unsafe extern blocks, `safe` items); rustc `improper_ctypes`; research/detection.md §3.2."
    ),
)


def check(ctx: FileContext, block: Node) -> list[Hit]:
    decl_list = next((c for c in block.named_children if c.type == "declaration_list"), None)
    if decl_list is None:
        return []
    abi = block_abi(block)
    hits = []
    for decl in declarations(decl_list):
        if safe_marker(decl) is not None:
            construct = f'extern "{abi}" '.encode() + decl_text(ctx, decl)
            hits.append(Hit(ID, decl, _message(decl), construct=construct))
    return hits


def _message(decl: Node) -> str:
    return (
        f"`{item_label(decl)}` is declared `safe`, so callers use it without `unsafe` and no call site "
        "will be reviewed. If this declaration differs from the C definition in any type, or the C side "
        "has any precondition, safe code gets undefined behaviour. Keep it `safe` only after checking "
        "the C signature and contract; otherwise drop `safe` and wrap calls in a checked safe function."
    )
