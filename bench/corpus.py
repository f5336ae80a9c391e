"""The benchmark corpus: Rust crate sources from Debian `librust-*-dev` packages, installed by name.

Debian ships each crate's source under /usr/share/cargo/registry/<crate>-<version>/, with its
Cargo.toml, so every file gets its real crate edition. Only files owned by the packages named
here are used (`dpkg -L`), so the corpus does not grow when something else installs a crate.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

REGISTRY = "/usr/share/cargo/registry"

# Crates named by issue 3 §7 plus widely used ones, chosen for a mix of code: async runtimes,
# syscall wrappers and FFI bindings (libc, nix, rustix, winapi, linux-raw-sys), parsers, SIMD.
PACKAGES: tuple[str, ...] = tuple(f"librust-{name}-dev" for name in (
    "tokio", "tokio-util", "mio", "hyper", "h2", "http", "bytes", "futures",
    "nix", "libc", "rustix", "linux-raw-sys", "winapi",
    "regex", "regex-automata", "aho-corasick", "memchr", "syn",
    "crossbeam", "crossbeam-channel", "crossbeam-epoch", "crossbeam-utils", "crossbeam-deque",
    "parking-lot", "parking-lot-core", "rayon", "rayon-core",
    "serde", "serde-json", "hashbrown", "indexmap", "chrono", "clap",
    "object", "gimli", "encoding-rs",
))


@dataclass(frozen=True)
class SourceFile:
    path: str
    """Relative to REGISTRY, e.g. `tokio-1.24.2/src/lib.rs` (what findings print)."""
    size: int

    @property
    def abspath(self) -> str:
        return os.path.join(REGISTRY, self.path)

    def read(self) -> bytes:
        with open(self.abspath, "rb") as fh:
            return fh.read()


def _installed(package: str) -> bool:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                         capture_output=True, text=True, check=False)
    return out.returncode == 0 and out.stdout.strip() == "install ok installed"


def ensure_installed(packages: tuple[str, ...] = PACKAGES) -> None:
    """apt-get install the packages that are missing (apt-get update once first); print them."""
    missing = [p for p in packages if not _installed(p)]
    if not missing:
        print(f"corpus: all {len(packages)} packages already installed", file=sys.stderr)
        return
    print(f"corpus: installing {len(missing)} packages: {' '.join(missing)}", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *missing],
                   check=True, env=env, stdout=subprocess.DEVNULL)


def _package_rust_files(package: str) -> Iterator[str]:
    out = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=True)
    prefix = REGISTRY + "/"
    for line in out.stdout.splitlines():
        if line.startswith(prefix) and line.endswith(".rs") and os.path.isfile(line):
            yield line[len(prefix):]


def corpus_files(limit_mb: float | None = None, packages: tuple[str, ...] = PACKAGES) -> list[SourceFile]:
    """The packages' `.rs` files in path order; with `limit_mb`, a fixed random subset of that size.

    The subset is drawn with a fixed seed, so it spans every crate and is the same on every run.
    """
    paths = sorted({p for pkg in packages for p in _package_rust_files(pkg)})
    files = [SourceFile(p, os.path.getsize(os.path.join(REGISTRY, p))) for p in paths]
    if limit_mb is None:
        return files
    random.Random(0).shuffle(files)
    chosen: list[SourceFile] = []
    total = 0
    for f in files:
        if total + f.size <= limit_mb * 1e6 or not chosen:
            chosen.append(f)
            total += f.size
    return sorted(chosen, key=lambda f: f.path)


def analysable(files: list[SourceFile], max_bytes: int) -> tuple[list[SourceFile], list[SourceFile]]:
    """(files the analysis reads, files it skips as too large): parse-only must skip them too."""
    return [f for f in files if f.size <= max_bytes], [f for f in files if f.size > max_bytes]


def manifests(files: list[SourceFile]) -> dict[str, bytes]:
    """Every crate's `Cargo.toml` (what `checks.edition.crate_edition` reads), by relative path."""
    out: dict[str, bytes] = {}
    for crate in sorted({f.path.split("/", 1)[0] for f in files}):
        key = f"{crate}/Cargo.toml"
        path = os.path.join(REGISTRY, key)
        if os.path.isfile(path):
            with open(path, "rb") as fh:
                out[key] = fh.read()
    return out


def crate_versions(files: list[SourceFile]) -> list[str]:
    return sorted({f.path.split("/", 1)[0] for f in files})
