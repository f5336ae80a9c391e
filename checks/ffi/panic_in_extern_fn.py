"""`ffi/panic-in-extern-fn`: an `extern "C"` fn body that can panic and does not catch it."""

from __future__ import annotations

from tree_sitter import Node

from checks.context import FileContext, Hit
from checks.ffi.items import explicit_abi, fn_name, is_rust_abi, is_unwind_abi
from checks.findings import Confidence, Severity, normalize_construct
from checks.rules import Rule
from checks.syntax import node_text

ID = "ffi/panic-in-extern-fn"

RULE = Rule(
    id=ID,
    severity=Severity.NOTE,
    confidence=Confidence.LOW,
    summary="`extern \"C\"` fn body can panic (`unwrap`, `expect`, `panic!`, indexing) with no `catch_unwind`",
    what=(
        "A function defined with a non-unwinding foreign ABI (`extern \"C\"`, bare `extern`, "
        "`extern \"system\"`, ...) whose body, including closures and macro arguments, contains a panic "
        "site: `.unwrap()`, `.expect(..)`, `panic!`, `unreachable!`, `todo!`, `unimplemented!`, "
        "`assert!`-family macros, or indexing `a[i]`, while the body never mentions `catch_unwind`. One "
        "finding per function, on its first panic site, listing the others."
    ),
    why=(
        "A panic cannot cross into C frames. Before Rust 1.81 unwinding out of an `extern \"C\"` function "
        "was undefined behaviour, the root of RUSTSEC-2019-0038 (libpulse-binding) and RUSTSEC-2019-0022 "
        "(portaudio-rs, where the unwind skipped cleanup and led to a use-after-free). Since 1.81 it "
        "aborts the whole process: defined, but a library callback that aborts its host program on bad "
        "input is still a bug."
    ),
    example='extern "C" fn parse_port(s: *const std::ffi::c_char) -> u16 {\n'
            "    let text = unsafe { std::ffi::CStr::from_ptr(s) }.to_str().unwrap();\n"
            "    text.parse().unwrap()\n}",
    fix='extern "C" fn parse_port(s: *const std::ffi::c_char) -> u16 {\n'
        "    std::panic::catch_unwind(|| {\n"
        "        // SAFETY: the caller passes a valid C string.\n"
        "        let text = unsafe { std::ffi::CStr::from_ptr(s) }.to_str().ok()?;\n"
        "        text.parse().ok()\n"
        "    })\n    .ok()\n    .flatten()\n    .unwrap_or(0)\n}",
    limits=(
        "Low confidence: it cannot tell an `unwrap()` on a value that is never `None`, a slice index "
        "already checked, or a panic inside a called function (it does not follow calls). Any mention of "
        "`catch_unwind` in the body silences it, even if the panic site is outside the closure. "
        "`-unwind` ABIs are skipped, since unwinding is their purpose. The identity is the list of panic "
        "sites, so adding one to an existing function reports it again."
    ),
    see_also=(
        "RUSTSEC-2019-0038; RUSTSEC-2019-0022; RFC 2945 (`C-unwind`, and abort-on-unwind for `\"C\"` since "
        "Rust 1.81); Clippy `unwrap_used`, `expect_used`, `indexing_slicing`."
    ),
)

_PANIC_METHODS = frozenset({"unwrap", "expect"})
_PANIC_MACROS = frozenset({
    "panic", "unreachable", "todo", "unimplemented", "assert", "assert_eq", "assert_ne",
})
_NESTED_ITEMS = frozenset({"function_item", "impl_item", "trait_item", "mod_item"})


def check(ctx: FileContext, fn: Node) -> list[Hit]:
    abi = explicit_abi(fn)
    body = fn.child_by_field_name("body")
    if abi is None or is_rust_abi(abi) or is_unwind_abi(abi) or body is None:
        return []
    if b"catch_unwind" in ctx.source[body.start_byte:body.end_byte]:
        return []
    sites = panic_sites(body)
    if not sites:
        return []
    texts = [_site_text(s) for s in sites]
    construct = normalize_construct(f"{fn_name(fn)}: ".encode() + " | ".join(texts).encode())
    return [Hit(ID, sites[0], _message(fn, abi, texts), construct=construct)]


def panic_sites(body: Node) -> list[Node]:
    """Panic sites in document order; nested items are skipped (they are not this fn's body)."""
    out: list[Node] = []
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type in _NESTED_ITEMS:
            continue
        if _is_panic_site(node):
            out.append(node)
        stack.extend(reversed(node.children))
    return sorted(out, key=lambda n: n.start_byte)


def _is_panic_site(node: Node) -> bool:
    t = node.type
    if t == "index_expression":
        index = node.named_children[-1] if node.named_child_count else None
        return not (index is not None and index.type == "range_expression" and index.named_child_count == 0)
    if t == "call_expression":
        callee = node.child_by_field_name("function")
        field = callee.child_by_field_name("field") if callee is not None and callee.type == "field_expression" \
            else None
        return field is not None and node_text(field) in _PANIC_METHODS
    if t == "macro_invocation":
        name = node.child_by_field_name("macro")
        return name is not None and node_text(name) in _PANIC_MACROS
    if t == "identifier" and node.parent is not None and node.parent.type == "token_tree":
        return _is_panic_token(node)
    return False


def _is_panic_token(ident: Node) -> bool:
    """Inside macro arguments (unparsed tokens): `.unwrap(`/`.expect(` or a nested `panic!(`."""
    prev, nxt = ident.prev_sibling, ident.next_sibling
    text = node_text(ident)
    if text in _PANIC_METHODS:
        return prev is not None and prev.type == "." and nxt is not None and nxt.type == "token_tree"
    return text in _PANIC_MACROS and nxt is not None and nxt.type == "!"


def _site_text(node: Node) -> str:
    if node.type == "identifier":
        is_macro = node.next_sibling is not None and node.next_sibling.type == "!"
        return f"{node_text(node)}!" if is_macro else f".{node_text(node)}()"
    text = " ".join(node_text(node).split())
    return text if len(text) <= 40 else text[:37] + "..."


def _message(fn: Node, abi: str, texts: list[str]) -> str:
    more = f" and {len(texts) - 1} more panic site{'s' if len(texts) > 2 else ''}" if len(texts) > 1 else ""
    return (
        f"`extern \"{abi}\" fn {fn_name(fn)}` can panic here (`{texts[0]}`{more}) and its body has no "
        "`catch_unwind`. A panic cannot unwind into C: since Rust 1.81 it aborts the process, before "
        "that it was undefined behaviour (RUSTSEC-2019-0038, RUSTSEC-2019-0022). Wrap the body in "
        "`std::panic::catch_unwind` and return an error code, or use `extern \"C-unwind\"` if the caller "
        "can unwind."
    )
