"""Each file's crate edition, from the nearest `Cargo.toml` (workspace inheritance followed).

Edition changes the meaning of code the checks judge (detection.md §5.3: `if let` scrutinee
temporaries, block tails), so every file is analysed with its own crate's edition.
"""

from __future__ import annotations

import posixpath
import tomllib
from collections.abc import Mapping
from typing import Any

DEFAULT_EDITION = 2015


def _parent_dirs(path: str) -> list[str]:
    out = []
    d = posixpath.dirname(path)
    while True:
        out.append(d)
        if d in ("", "/"):
            return out
        d = posixpath.dirname(d)


def _manifest(files: Mapping[str, bytes], d: str) -> dict[str, Any] | None:
    key = posixpath.join(d, "Cargo.toml") if d else "Cargo.toml"
    raw = files.get(key)
    if raw is None:
        return None
    try:
        return tomllib.loads(raw.decode("utf-8", "replace"))
    except tomllib.TOMLDecodeError:
        return {}


def _as_edition(value: object) -> int | None:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, int):
        return value
    return None


def crate_edition(path: str, files: Mapping[str, bytes]) -> int:
    """Edition of the crate holding `path`; 2015 when no manifest says otherwise."""
    dirs = _parent_dirs(path)
    for i, d in enumerate(dirs):
        manifest = _manifest(files, d)
        if manifest is None or "package" not in manifest:
            continue
        edition = manifest["package"].get("edition")
        if isinstance(edition, dict) and edition.get("workspace") is True:
            return _workspace_edition(files, dirs[i:])
        return _as_edition(edition) or DEFAULT_EDITION
    return DEFAULT_EDITION


def _workspace_edition(files: Mapping[str, bytes], dirs: list[str]) -> int:
    for d in dirs:
        manifest = _manifest(files, d)
        if manifest and "workspace" in manifest:
            ws_pkg = manifest["workspace"].get("package", {})
            return _as_edition(ws_pkg.get("edition")) or DEFAULT_EDITION
    return DEFAULT_EDITION


def manifest_paths_for(path: str) -> list[str]:
    """Every `Cargo.toml` that may decide `path`'s edition (what a fetcher needs to read)."""
    return [posixpath.join(d, "Cargo.toml") if d else "Cargo.toml" for d in _parent_dirs(path)]
