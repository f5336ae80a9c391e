"""The one parser and the ONE combined query that holds every family's patterns.

Each extra query object costs a whole extra traversal of the tree (research/perf.md §2a), so
the families' `QUERY` strings are concatenated and compiled once per process; matches are
dispatched back to their family by pattern index.
"""

from __future__ import annotations

import bisect
from functools import cache
from types import ModuleType

import tree_sitter_rust
from tree_sitter import Language, Parser, Query, QueryCursor, Tree

from checks.context import Match

LANGUAGE = Language(tree_sitter_rust.language())


@cache
def parser() -> Parser:
    return Parser(LANGUAGE)


def parse(source: bytes) -> Tree:
    return parser().parse(source)


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
        self.source = "".join(parts)
        self.query = Query(LANGUAGE, self.source)
        self._starts = starts
        self._names = names
        self.pattern_family = [
            names[bisect.bisect_right(starts, self.query.start_byte_for_pattern(i)) - 1]
            for i in range(self.query.pattern_count)
        ]

    def run(self, tree: Tree, wanted: frozenset[str]) -> dict[str, list[Match]]:
        """One traversal; matches grouped by family, only for the families in `wanted`."""
        out: dict[str, list[Match]] = {name: [] for name in wanted}
        if not wanted:
            return out
        fam_of = self.pattern_family
        for index, captures in QueryCursor(self.query).matches(tree.root_node):
            fam = fam_of[index]
            if fam in out:
                out[fam].append(captures)
        return out


@cache
def combined_query() -> CombinedQuery:
    from checks.families import FAMILIES

    return CombinedQuery(FAMILIES)
