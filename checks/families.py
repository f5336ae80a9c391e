"""The one list of check families; order is the order of rules in docs and tables."""

from __future__ import annotations

from types import ModuleType

from checks import ffi, lock, toctou
from checks import unsafe as unsafe_family

FAMILIES: tuple[ModuleType, ...] = (unsafe_family, ffi, toctou, lock)
FAMILY_NAMES: tuple[str, ...] = tuple(f.FAMILY for f in FAMILIES)


def family(name: str) -> ModuleType:
    for fam in FAMILIES:
        if name == fam.FAMILY:
            return fam
    raise KeyError(name)
