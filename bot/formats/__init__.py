"""The `--format` writers, one module each; `FORMATS` is the one table the CLI reads.

Every writer has the same shape: `render(result, color=...) -> str`, the whole stdout text.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.formats import github, json, sarif, text
from bot.scan import ScanResult

Writer = Callable[[ScanResult, bool], str]

FORMATS: dict[str, Writer] = {
    "text": text.render,
    "json": json.render,
    "sarif": sarif.render,
    "github": github.render,
}
