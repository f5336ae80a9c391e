"""Options of `analyze()`: which rules run and the names a repo teaches the checks."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from checks.findings import Severity


@dataclass(frozen=True)
class AnalyzeOptions:
    families: frozenset[str] | None = None
    """Families to run; None means every family."""
    disabled_rules: frozenset[str] = frozenset()
    enabled_rules: frozenset[str] = frozenset()
    """Rules that are off by default but switched on."""
    severity: dict[str, Severity] = field(default_factory=dict)
    """Per-rule severity overrides."""
    include: tuple[str, ...] = ()
    """Globs a path must match to be analysed (empty: every `.rs` file)."""
    exclude: tuple[str, ...] = ()
    lock_methods: tuple[str, ...] = ()
    """Extra zero-argument methods that return a lock guard (TiKV's `rl`/`wl`)."""
    toctou_checks: tuple[str, ...] = ()
    """Extra function/method names that check a path (treated like `exists`)."""
    toctou_uses: tuple[str, ...] = ()
    """Extra function/method names that create or modify a path (treated like `File::create`)."""
    edition: int | None = None
    """Edition override for every file; None reads it from Cargo.toml."""
    max_file_bytes: int = 2_000_000

    def family_on(self, family: str) -> bool:
        return self.families is None or family in self.families

    def path_selected(self, path: str) -> bool:
        if self.include and not any(fnmatch.fnmatch(path, g) for g in self.include):
            return False
        return not any(fnmatch.fnmatch(path, g) for g in self.exclude)
