"""An item's doc comments as Clippy's `missing_safety_doc` reads them: is there a `# Safety` heading,
is the item exported, is it under `#[doc(hidden)]` (detection.md §2.1–2.2)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node

from checks.syntax import node_text

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(Safety|SAFETY|Implementation [Ss]afety)\s*#*\s*$")
_SETEXT_TEXT = re.compile(r"^\s{0,3}(Safety|SAFETY|Implementation [Ss]afety)\s*$")
_SETEXT_LINE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_DOC_HIDDEN = re.compile(r"\bdoc\s*\(\s*hidden\s*\)")
_ITEM_CONTAINERS = frozenset({"mod_item", "impl_item", "trait_item"})


@dataclass(frozen=True)
class ItemDocs:
    has_safety_section: bool
    exported: bool
    hidden: bool


def item_docs(item: Node) -> ItemDocs:
    """What `missing_safety_doc` needs to know about `item` (an fn, trait method or trait)."""
    lines, opaque = doc_lines(item)
    return ItemDocs(
        has_safety_section=opaque or has_safety_heading(lines),
        exported=is_exported(item),
        hidden=is_doc_hidden(item),
    )


def doc_lines(item: Node) -> tuple[list[str], bool]:
    """The item's outer doc text, line by line; `opaque` when a `#[doc = ..]` is not a literal."""
    chunks: list[str] = []
    opaque = False
    for sib in _preceding_trivia(item):
        if sib.type == "attribute_item":
            text, is_opaque = _doc_attribute(sib)
            opaque = opaque or is_opaque
            if text is not None:
                chunks.append(text)
        elif _is_outer_doc(sib):
            chunks.append(_comment_doc_text(sib))
    return "\n".join(reversed(chunks)).split("\n"), opaque


def has_safety_heading(lines: list[str]) -> bool:
    """A Markdown heading (ATX or setext) titled exactly Safety/SAFETY/Implementation safety,
    outside code fences (where `# Safety` is a hidden doctest line, not a heading)."""
    in_fence = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (_HEADING.match(line) or (
                _SETEXT_TEXT.match(line) and i + 1 < len(lines) and _SETEXT_LINE.match(lines[i + 1]))):
            return True
    return False


def is_exported(item: Node) -> bool:
    """`pub` all the way out: trait methods take their trait's visibility, trait-impl methods and
    items in fn bodies or private inline modules are not exported."""
    container = item.parent.parent if item.parent is not None else None
    if container is not None and container.type == "trait_item":
        item = container
    elif container is not None and container.type == "impl_item" and container.child_by_field_name("trait"):
        return False
    if not _is_pub(item):
        return False
    cur = item.parent
    while cur is not None:
        if cur.type in ("function_item", "block", "closure_expression"):
            return False
        if cur.type == "mod_item" and not _is_pub(cur):
            return False
        cur = cur.parent
    return True


def is_doc_hidden(item: Node) -> bool:
    """`#[doc(hidden)]` on the item or on an enclosing module, impl or trait (or `#![doc(hidden)]`
    at the top of an enclosing module body)."""
    cur: Node | None = item
    while cur is not None:
        if (cur is item or cur.type in _ITEM_CONTAINERS) and _has_hidden_attribute(cur):
            return True
        if cur.type == "declaration_list" and _has_inner_hidden(cur):
            return True
        cur = cur.parent
    return False


def _has_hidden_attribute(node: Node) -> bool:
    return any(s.type == "attribute_item" and _DOC_HIDDEN.search(node_text(s)) for s in _preceding_trivia(node))


def _has_inner_hidden(body: Node) -> bool:
    for child in body.named_children:
        if child.type == "inner_attribute_item":
            if _DOC_HIDDEN.search(node_text(child)):
                return True
        elif child.type not in ("line_comment", "block_comment"):
            return False
    return False


def _preceding_trivia(node: Node) -> list[Node]:
    """Attributes and comments directly before `node`, nearest first."""
    out = []
    sib = node.prev_named_sibling
    while sib is not None and sib.type in ("attribute_item", "line_comment", "block_comment"):
        out.append(sib)
        sib = sib.prev_named_sibling
    return out


def _is_pub(node: Node) -> bool:
    return any(c.type == "visibility_modifier" and node_text(c) == "pub" for c in node.named_children)


def _is_outer_doc(comment: Node) -> bool:
    return any(c.type == "outer_doc_comment_marker" for c in comment.named_children)


def _comment_doc_text(comment: Node) -> str:
    if comment.type == "line_comment":
        doc = next((c for c in comment.named_children if c.type == "doc_comment"), None)
        return node_text(doc).rstrip("\n") if doc is not None else ""
    body = node_text(comment).removeprefix("/**").removesuffix("*/")
    return "\n".join(re.sub(r"^\s*\*( |$)?", "", ln) for ln in body.split("\n"))


def _doc_attribute(attr: Node) -> tuple[str | None, bool]:
    """(`#[doc = "text"]` text or None, whether its value is something other than a literal)."""
    inner = next((c for c in attr.named_children if c.type == "attribute"), None)
    if inner is None or not inner.named_children or node_text(inner.named_children[0]) != "doc":
        return None, False
    value = inner.child_by_field_name("value")
    if value is None:
        return None, False
    if value.type not in ("string_literal", "raw_string_literal"):
        return None, True
    text = "".join(node_text(c) for c in value.named_children if c.type == "string_content")
    return text.replace("\\n", "\n"), False
