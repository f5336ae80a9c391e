"""Finding, Severity, Confidence and the fingerprint: a finding's identity lives here only.

The fingerprint has no line numbers (DESIGN.md "Findings"), so a finding keeps its review
thread and its approval when lines shift or the branch is rebased.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"note": 0, "warning": 1, "error": 2}[self.value]


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class Finding:
    """One reported risk; `to_json()` is the CLI contract's finding object."""

    rule: str
    family: str
    severity: Severity
    confidence: Confidence
    path: str
    line: int
    end_line: int
    message: str
    fingerprint: str
    column: int = 1
    end_column: int = 1
    item: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def short_id(self) -> str:
        """The short, stable id shown to people and used in slash commands."""
        return short_id(self.fingerprint)

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "family": self.family,
            "severity": self.severity.value,
            "confidence": self.confidence.value,
            "path": self.path,
            "line": self.line,
            "end_line": self.end_line,
            "message": self.message,
            "fingerprint": self.fingerprint,
        }


_LINE_COMMENT = re.compile(rb"//[^\n]*")
_BLOCK_COMMENT = re.compile(rb"/\*.*?\*/", re.S)


def normalize_construct(text: bytes) -> bytes:
    """Text of a construct with comments dropped and whitespace collapsed.

    Re-indenting, re-wrapping or editing a comment inside the construct keeps its identity.
    String literals containing `//` are rare in flagged constructs; losing them only merges
    identities, it never splits one.
    """
    if b"/*" in text:
        text = _BLOCK_COMMENT.sub(b" ", text)
    if b"//" in text:
        text = _LINE_COMMENT.sub(b" ", text)
    return b" ".join(text.split())  # bytes.split() splits on exactly the bytes `\s` matches


def fingerprint(rule: str, item: str, construct: bytes, occurrence: int) -> str:
    """Content-addressed identity: rule + enclosing item path + normalized text + occurrence."""
    parts = (rule.encode(), item.encode(), normalize_construct(construct), str(occurrence).encode())
    data = b"".join(len(part).to_bytes(4, "big") + part for part in parts)
    return hashlib.sha256(data).hexdigest()[:32]


def short_id(fp: str) -> str:
    return "BS-" + fp[:7]
