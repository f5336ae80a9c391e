"""The one parser and the ONE combined query that holds every family's patterns.

Each extra query object costs a whole extra traversal of the tree (research/perf.md §2a), so
the families' `QUERY` strings are concatenated and compiled once per process; matches are
dispatched back to their family by pattern index.

The traversal is also restricted to the parts of the file that can matter (bench/README.md has
the figures). A family declares how much of the file it needs with an optional module constant
`SCOPE`:

- `SCOPE = "item"` (the default): every finding of the family lies inside an *item unit* that
  holds the start of one of its trigger matches. An item unit is a child of `source_file`, or,
  inside a `mod m { ... }`, `impl ... { ... }` or `trait T { ... }`, a child of its body (a
  method, not the whole `impl`), taken together with the attributes and comments directly
  above it (`#[no_mangle]` and `/// # Safety` belong to the `fn` below them). When a trigger
  match lies in such a container but outside all of its children (its header, as in
  `unsafe impl Send for T {}`), the whole container is the unit. The family then receives the
  query matches that intersect those units; matches whose nodes enclose a unit (the `impl_item`
  or `mod_item` around it) may come too, matches elsewhere may not. A family that relates
  items to each other (methods of one impl, callers and callees) needs `SCOPE = "file"`.
- `SCOPE = "match"`: every query match the family needs overlaps the first byte of one of its
  trigger matches (its keyword: `unsafe` in an `unsafe_block`, `extern` in a `foreign_mod_item`),
  and the family handles each match on its own (walking the tree near it as it likes). The
  query then runs over those single bytes only; tree-sitter returns every match that overlaps a
  range, so `(function_item (function_modifiers "unsafe"))` still comes whole. Much cheaper than
  item units: a method holding one `unsafe { }` is not traversed, only the path down to it.
- `SCOPE = "file"`: the family needs the whole file (the lock family resolves callees across
  functions), so when its trigger matches anywhere the query runs over the whole tree.

A family whose `trigger()` returns None counts as matching everywhere: it gets the whole file.
A family none of whose rules is on is not run at all (checks/analysis.py `family_triggers`).

Writing a trigger: let every match start with a literal, optionally after `\\b`, or with an
alternation of literals (`\\bunsafe\\b`, `\\.(?:lock|read|write)\\(\\)`). The core then finds
those literals with `bytes.find` and tries the regex only there (`required_literals`); each
literal costs about 0.5% of parse time on the bench corpus, so keep the list short. A trigger
without a leading literal (`(?i)...`, `[a-z]+_lock`) is scanned by `re` at every byte: 5-20%.
A trigger that opens with a plain literal (`\\.\\s*lock`) is left to `re`, whose own prefix
search in C beats a Python loop over every `.` (`prefilter_gate`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from types import ModuleType

import tree_sitter_rust
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

from checks.context import Match

LANGUAGE = Language(tree_sitter_rust.language())

WHOLE_FILE: None = None
"""The value of a family in `wanted` when it needs every match in the file."""

_LEADING = frozenset({"attribute_item", "line_comment", "block_comment"})
_CONTAINERS = frozenset({"mod_item", "impl_item", "trait_item"})
"""Items whose body's children are units of their own (a method, not the whole `impl`)."""


@cache
def parser() -> Parser:
    return Parser(LANGUAGE)


def parse(source: bytes) -> Tree:
    return parser().parse(source)


SCOPES = ("match", "item", "file")


def family_scope(fam: ModuleType) -> str:
    scope: str = getattr(fam, "SCOPE", "item")
    if scope not in SCOPES:
        raise ValueError(f"{fam.FAMILY}: SCOPE must be one of {SCOPES}, not {scope!r}")
    return scope


class CombinedQuery:
    """Every family's patterns in one compiled `Query`, with pattern index -> family."""

    def __init__(self, families: tuple[ModuleType, ...]) -> None:
        parts: list[str] = []
        starts: list[int] = []
        names: list[str] = []
        offset = 0
        for fam in families:
            text = fam.QUERY.strip() + "\n"
            starts.append(offset)
            names.append(fam.FAMILY)
            parts.append(text)
            offset += len(text.encode())
        self.scope = {fam.FAMILY: family_scope(fam) for fam in families}
        self.source = "".join(parts)
        self.query = Query(LANGUAGE, self.source)
        self.pattern_family = [
            names[bisect.bisect_right(starts, self.query.start_byte_for_pattern(i)) - 1]
            for i in range(self.query.pattern_count)
        ]

    def run(self, tree: Tree, wanted: Mapping[str, Sequence[int] | None],
            restrict: bool = True) -> dict[str, list[Match]]:
        """One traversal at most per node; matches grouped by family, for `wanted` families only.

        `wanted` maps a family to the byte offsets of its trigger matches (sorted), or to
        WHOLE_FILE. With `restrict=False` the whole tree is queried whatever `wanted` says (the
        reference the restriction is tested against). There is no fallback to the whole tree
        when the units cover most of the file: on the bench corpus, always restricting was
        faster than falling back above 60% coverage (0.35 s against 0.43 s).
        """
        out: dict[str, list[Match]] = {name: [] for name in wanted}
        if not wanted:
            return out
        fam_of = self.pattern_family
        for index, captures in self._matches(tree.root_node, self._ranges(tree, wanted, restrict)):
            fam = fam_of[index]
            if fam in out:
                out[fam].append(captures)
        return out

    def _ranges(self, tree: Tree, wanted: Mapping[str, Sequence[int] | None],
                restrict: bool) -> list[tuple[int, int]] | None:
        if not restrict or any(v is WHOLE_FILE for v in wanted.values()):
            return None
        items = sorted({o for f, v in wanted.items() if v is not None and self.scope.get(f) != "match" for o in v})
        spans = item_ranges(tree.root_node, items) if items else []
        spans += [(o, o + 1) for f, v in wanted.items() if v is not None and self.scope.get(f) == "match" for o in v]
        return merge_ranges(spans)

    def _matches(self, root: Node, ranges: list[tuple[int, int]] | None) -> Iterator[tuple[int, Match]]:
        cursor = QueryCursor(self.query)
        if ranges is None:
            yield from cursor.matches(root)
            return
        seen: set[tuple[int, ...]] = set()
        for start, end in ranges:
            cursor.set_byte_range(start, end)
            for index, captures in cursor.matches(root):
                if len(ranges) > 1:
                    # a match may reach over two ranges (the `mod_item` around both): once only
                    key = (index, *(n.id for nodes in captures.values() for n in nodes))
                    if key in seen:
                        continue
                    seen.add(key)
                yield index, captures


def merge_ranges(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, overlapping or touching spans joined (a cursor restart per range costs more)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def item_ranges(root: Node, offsets: Sequence[int]) -> list[tuple[int, int]]:
    """Byte ranges of the item units (see the module docstring) holding `offsets`, sorted.

    Units separated only by whitespace are merged, so a pattern over two neighbouring units
    (`(function_item) . (function_item)`) still matches and the cursor restarts less often.
    """
    spans: list[tuple[int, int]] = []
    _collect_units(root, offsets, spans)
    spans.sort()
    text = (root.text or b"") if len(spans) > 1 else b""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and (start <= merged[-1][1] or not text[merged[-1][1]:start].strip()):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _collect_units(container: Node, offsets: Sequence[int], out: list[tuple[int, int]]) -> bool:
    """Add the units of `container` holding `offsets` (sorted); False when one is in none."""
    placed = True
    i = 0
    while i < len(offsets):
        unit = _unit_at(container, offsets[i])
        if unit is None:
            placed = False
            i += 1
            continue
        start, end, node = unit
        j = bisect.bisect_left(offsets, end, i)
        body = node.child_by_field_name("body") if node.type in _CONTAINERS else None
        inner: list[tuple[int, int]] = []
        if body is not None and _collect_units(body, offsets[i:j], inner):
            out.extend(inner)
        else:
            out.append((start, end))
        i = j
    return placed


def _unit_at(container: Node, offset: int) -> tuple[int, int, Node] | None:
    """(start, end, item) of the unit of `container` holding `offset`; None between children."""
    node = container.named_descendant_for_byte_range(offset, offset + 1)
    if node is None or node == container:
        return None
    while node.parent is not None and node.parent != container:
        node = node.parent
    if node.parent is None:
        return None
    item = node
    while item.type in _LEADING and item.next_named_sibling is not None:
        item = item.next_named_sibling
    first = item
    while (prev := first.prev_named_sibling) is not None and prev.type in _LEADING:
        first = prev
    return first.start_byte, item.end_byte, item


@cache
def combined_query() -> CombinedQuery:
    from checks.families import FAMILIES

    return CombinedQuery(FAMILIES)
