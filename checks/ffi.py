"""The `ffi` family (being built: see the open issue for this family)."""

from __future__ import annotations

import re

from checks.context import FileContext, Hit
from checks.options import AnalyzeOptions
from checks.rules import Rule

FAMILY = "ffi"

RULES: tuple[Rule, ...] = ()

QUERY = ""


def trigger(options: AnalyzeOptions) -> re.Pattern[bytes] | None:
    return re.compile(rb"(?!)")


def check(ctx: FileContext) -> list[Hit]:
    return []
