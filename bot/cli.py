"""The `blindspot` command line: one parser, and `COMMANDS`, the table of subcommands.

A subcommand is a `Command` row (name, help, a function that adds its arguments, a function that
runs it and returns the exit code); `serve` and `ci` plug in by adding a row. Errors a user can
fix end with exit code 2 and ONE line on stderr, never a traceback (DESIGN.md "Command line").
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from bot import __version__
from bot.gitrepo import GitError
from checks import Severity

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
FAIL_ON = ("error", "warning", "note", "never")


class UsageError(Exception):
    """A one-line reason to stop with exit code 2."""


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    description: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit 2), like every other error here."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# --- scan ---------------------------------------------------------------------------------------

SCAN_DESCRIPTION = """\
Review the Rust changes of a local git repository the way the App reviews a pull request:
findings are reported only for risky code the changes introduce (a finding whose identity
exists at head but not at base, compared across all changed files, so moved code is not new).
Nothing from the repository is built or run; files are read with git.

exit codes: 0 no finding reaches --fail-on, 1 at least one does, 2 usage or input error."""


def configure_scan(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="only files under these paths (relative to the current directory, or to "
                        "the repository root when the current directory is outside it)")
    p.add_argument("--repo", metavar="DIR", type=Path, help="the repository (default: the current directory)")
    p.add_argument("--base", metavar="REV",
                   help="compare against REV (default: merge-base of head with origin/HEAD, else main, else master)")
    p.add_argument("--head", metavar="REV",
                   help="analyse REV (default: the working tree, with uncommitted changes and untracked files)")
    p.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text",
                   help="text for people (default), json (one object), sarif (code scanning), "
                        "github (Actions workflow annotations)")
    p.add_argument("--fail-on", choices=FAIL_ON, default="warning",
                   help="lowest severity that makes the exit code 1 (default: warning; never: always 0)")
    p.add_argument("--all", action="store_true", dest="audit",
                   help="audit mode: analyse whole files at head, without a diff (--base is ignored)")


def run_scan_command(args: argparse.Namespace) -> int:
    from bot.formats import FORMATS
    from bot.scan import ScanRequest, run_scan

    req = ScanRequest(repo=args.repo, base=args.base, head=args.head, paths=tuple(args.paths), audit=args.audit)
    result = run_scan(req)
    if args.format == "text" and len(result.scanned) >= 50:
        print(f"blindspot: analysed {len(result.scanned)} Rust files", file=sys.stderr)
    sys.stdout.write(FORMATS[args.format](result, use_color(sys.stdout)))
    return exit_code([f.severity for f in result.report.findings], args.fail_on)


def exit_code(severities: Sequence[Severity], fail_on: str) -> int:
    """1 when any severity reaches `fail_on` (`never`: always 0)."""
    if fail_on == "never":
        return EXIT_OK
    threshold = Severity(fail_on).rank
    return EXIT_FINDINGS if any(s.rank >= threshold for s in severities) else EXIT_OK


def use_color(stream: object) -> bool:
    """Colour for a terminal, unless NO_COLOR is set to anything non-empty (no-color.org)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


# --- demo: the whole App offline (or, with --scan, the local scan of the same sample) -------------

def configure_demo(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scan", action="store_true",
                   help="instead of the App, run `blindspot scan` on the sample as a local git repo")
    p.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text",
                   help="output format for --scan (default: text)")


def run_demo_command(args: argparse.Namespace) -> int:
    if args.scan:
        from bot.sample_pr import run_sample_pr

        return run_sample_pr(args.format)
    from bot.demo import run_demo

    return run_demo(args)


# --- serve: the GitHub App server ------------------------------------------------------------------

SERVE_DESCRIPTION = (
    "Run the GitHub App: the webhook endpoint (POST /webhooks), /healthz, /readyz and the worker that "
    "reviews pull requests. Configuration comes from the environment: BLINDSPOT_APP_ID, "
    "BLINDSPOT_PRIVATE_KEY or BLINDSPOT_PRIVATE_KEY_PATH, BLINDSPOT_WEBHOOK_SECRET (required), "
    "BLINDSPOT_DATABASE_URL (default sqlite:///blindspot.db), BLINDSPOT_GITHUB_URL (default "
    "https://api.github.com), PORT, BLINDSPOT_LOG_LEVEL, BLINDSPOT_LOG_FORMAT. Exit 2 with one line on "
    "stderr when the configuration is incomplete or wrong."
)


def configure_serve(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, help="port to listen on (default: $PORT, else 8080)")


def run_serve_command(args: argparse.Namespace) -> int:
    from bot.serve import run_serve

    return run_serve(args)


COMMANDS: tuple[Command, ...] = (
    Command("scan", "review the Rust changes of a local git repository", SCAN_DESCRIPTION,
            configure_scan, run_scan_command),
    Command("serve", "run the GitHub App server (webhooks, queue, worker)", SERVE_DESCRIPTION,
            configure_serve, run_serve_command),
    Command("demo", "run the whole App offline on the sample pull request in examples/sample-pr",
            "Start a local GitHub stand-in holding the sample Rust PR, start the real server on a "
            "temporary SQLite database, deliver a signed pull_request.opened webhook, and print what "
            "the bot posted: check run, review comments, label. With --scan, show instead what "
            "`blindspot scan` reports on the same sample as a local git repository.",
            configure_demo, run_demo_command),
)


def build_parser() -> Parser:
    parser = Parser(prog="blindspot", description="Blindspot reviews Rust changes for the bugs the "
                    "borrow checker cannot catch: unsafe code, FFI, filesystem races, lock misuse.")
    parser.add_argument("--version", action="version", version=f"blindspot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for cmd in COMMANDS:
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.description,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        cmd.configure(p)
        p.set_defaults(run=cmd.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _raw_bytes_survive(sys.stdout)
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:
        names = ", ".join(c.name for c in COMMANDS)
        parser.error(f"a command is required: {names}")
    try:
        code: int = args.run(args)
    except (GitError, UsageError) as exc:
        print(f"blindspot: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:
        print(f"blindspot: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    finally:
        _flush_quietly()
    return code


def _raw_bytes_survive(stream: object) -> None:
    """Paths that are not UTF-8 come from git as surrogates; print their original bytes."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="surrogateescape")


def _flush_quietly() -> None:
    """A closed pipe (`blindspot scan | head`) is not an error worth a traceback."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
