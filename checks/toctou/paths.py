"""Path identity inside one function: when two expressions name the same file.

Two path expressions match when, after dropping `&`, `.as_ref()`, `.clone()`, `Path::new(..)`
and the like, they are the same identifier (followed through `let` copies), or the same pure
expression written twice (`dir.join("lock")`). research/detection.md §4.2 "Same path".
"""

from __future__ import annotations

import re

from tree_sitter import Node

from checks.syntax import node_text
from checks.toctou.text import text_of

# Methods and constructors that return (a view of) the same path.
TRANSPARENT_METHODS = frozenset({
    "as_ref", "as_path", "clone", "to_path_buf", "to_owned", "into", "as_os_str", "as_bytes",
    "unwrap", "expect", "borrow", "path", "file_type", "metadata", "symlink_metadata", "as_ptr",
    "as_c_str", "as_encoded_bytes", "to_str", "to_string_lossy", "into_os_string", "into_boxed_path",
})
TRANSPARENT_FNS = frozenset({
    ("Path", "new"), ("PathBuf", "from"), ("CString", "new"), ("OsStr", "new"),
    ("OsString", "from"), ("String", "from"), ("fs", "metadata"), ("fs", "symlink_metadata"),
})
# Calls that are pure enough that writing them twice names the same path.
PURE_METHODS = frozenset({"join", "with_extension", "with_file_name", "parent", "to_path_buf"})
PURE_FNS = frozenset({"temp_dir", "home_dir"})
PURE_MACROS = frozenset({"format", "concat"})
_LEAVES = frozenset({"identifier", "self", "string_literal", "raw_string_literal", "integer_literal",
                     "field_identifier", "string_content", "escape_sequence", "scoped_identifier"})
_WS = re.compile(r"\s+")
_MAX_HOPS = 3


def _qual_name(fn: Node) -> tuple[str, str]:
    name = fn.child_by_field_name("name")
    path = fn.child_by_field_name("path")
    if path is not None and path.type == "scoped_identifier":
        path = path.child_by_field_name("name")
    return (node_text(path) if path is not None else "", node_text(name) if name is not None else "")


def strip(node: Node) -> Node:
    """Drop wrappers that do not change which file an expression names."""
    while True:
        t = node.type
        inner: Node | None = None
        if t in ("reference_expression", "parenthesized_expression", "try_expression", "await_expression",
                 "type_cast_expression"):
            inner = node.named_children[-1] if t == "reference_expression" else node.named_children[0]
        elif t == "call_expression":
            inner = _transparent_call_inner(node)
        if inner is None:
            return node
        node = inner


def _transparent_call_inner(call: Node) -> Node | None:
    fn = call.child_by_field_name("function")
    args = call.child_by_field_name("arguments")
    arg_nodes = [a for a in args.named_children if "comment" not in a.type] if args is not None else []
    if fn is None:
        return None
    if fn.type == "field_expression":
        field = text_of(fn.child_by_field_name("field"))
        if field in TRANSPARENT_METHODS and len(arg_nodes) <= 1:
            return fn.child_by_field_name("value")
    if fn.type == "scoped_identifier" and _qual_name(fn) in TRANSPARENT_FNS and len(arg_nodes) == 1:
        return arg_nodes[0]
    return None


def is_pure(node: Node) -> bool:
    """An expression that yields the same path every time it is evaluated (no I/O, no counters)."""
    t = node.type
    if t in _LEAVES:
        return True
    if t == "macro_invocation":
        macro = node.child_by_field_name("macro")
        return macro is not None and node_text(macro) in PURE_MACROS
    if t == "call_expression":
        return _is_pure_call(node)
    if t in ("field_expression", "reference_expression", "parenthesized_expression", "try_expression",
             "arguments", "binary_expression"):
        return all(is_pure(c) for c in node.named_children if "comment" not in c.type)
    return False


def _is_pure_call(call: Node) -> bool:
    fn = call.child_by_field_name("function")
    args = call.child_by_field_name("arguments")
    if fn is None or args is None:
        return False
    if fn.type == "field_expression":
        field = text_of(fn.child_by_field_name("field"))
        ok = field in PURE_METHODS or field in TRANSPARENT_METHODS
        return ok and is_pure(fn.child_by_field_name("value") or fn) and is_pure(args)
    if fn.type == "scoped_identifier":
        qual, name = _qual_name(fn)
        return (name in PURE_FNS or (qual, name) in TRANSPARENT_FNS) and is_pure(args)
    if fn.type == "identifier":
        return node_text(fn) in PURE_FNS and is_pure(args)
    return False


def normalized(node: Node) -> str:
    return _WS.sub("", node_text(node))
