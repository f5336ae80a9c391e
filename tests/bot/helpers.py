"""Small builders shared by the bot tests (findings made like checks/ makes them)."""

from __future__ import annotations

from checks import Confidence, Finding, Severity
from checks.findings import fingerprint


def finding(path: str = "src/lib.rs", line: int = 3, end_line: int | None = None, severity: str = "warning",
            rule: str = "unsafe/undocumented-block", construct: str = "unsafe { x }") -> Finding:
    fp = fingerprint(rule, "f", construct.encode(), 0)
    return Finding(rule=rule, family=rule.split("/")[0], severity=Severity(severity), confidence=Confidence.HIGH,
                   path=path, line=line, end_line=end_line or line, message="Risky. Fix it.", fingerprint=fp)
