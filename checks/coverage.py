"""What the analysis looked at and what it could not, reported beside the findings."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Coverage:
    files_analyzed: list[str] = field(default_factory=list)
    files_skipped: dict[str, str] = field(default_factory=dict)
    """path -> reason (binary, too large, not UTF-8, deleted)."""
    files_with_parse_errors: list[str] = field(default_factory=list)
    bytes_analyzed: int = 0
    lines_analyzed: int = 0
    macro_tokens: Counter[str] = field(default_factory=Counter)
    """Risky tokens seen inside macro token trees (scanned as tokens, not parsed code)."""

    def to_json(self) -> dict[str, object]:
        return {
            "files_analyzed": len(self.files_analyzed),
            "files_skipped": dict(sorted(self.files_skipped.items())),
            "files_with_parse_errors": sorted(self.files_with_parse_errors),
            "bytes_analyzed": self.bytes_analyzed,
            "lines_analyzed": self.lines_analyzed,
            "macro_tokens": dict(sorted(self.macro_tokens.items())),
        }
