"""Hidden HTML markers in every text the bot writes, so it can find its own comments again.

`<!-- blindspot:{kind} fp={fingerprint} -->`: kind is the name of the module that wrote the
text (`review` -> bot/review.py); extra fields (`head=<sha>`) follow the same `key=value` form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MARKER = re.compile(r"<!-- blindspot:(?P<kind>[a-z_]+)(?P<fields>(?: [a-z_]+=[^\s>]+)*) -->")


@dataclass(frozen=True)
class Marker:
    kind: str
    fields: dict[str, str]

    @property
    def fingerprint(self) -> str | None:
        return self.fields.get("fp")


def marker(kind: str, fingerprint: str | None = None, **fields: str) -> str:
    parts = [f"blindspot:{kind}"]
    if fingerprint is not None:
        parts.append(f"fp={fingerprint}")
    parts.extend(f"{k}={v}" for k, v in fields.items())
    return "<!-- " + " ".join(parts) + " -->"


def find_markers(text: str | None) -> list[Marker]:
    """Every marker in `text`, in order."""
    out = []
    for m in _MARKER.finditer(text or ""):
        fields = dict(part.split("=", 1) for part in m.group("fields").split())
        out.append(Marker(kind=m.group("kind"), fields=fields))
    return out
