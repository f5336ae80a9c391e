"""Blindspot's side that talks to people and services: the command line, output formats, the App."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rust-blindspot")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

DOCS_URL = "https://github.com/blindspot-rs/blindspot/blob/main/"
"""Where the repository (and so `docs/rules/...`) is published; rule help links start here."""
