"""A repo's `.github/blindspot.toml`: read from the base branch, checked, turned into options; and
the one comment validating a PR's own edit of that file.

The base branch decides how a PR is judged (DESIGN.md "Data flow" step 3: a PR cannot change
its own rules). Unknown keys and bad values are reported with their line, never ignored; any
error makes the whole file fall back to the defaults, and the check run summary says so. The
schema itself lives in bot/config_schema.py; docs/config.md documents every key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from bot import config_schema as schema
from bot.config_schema import DEFAULT_LABEL, Problem, Reader, is_int, is_names
from bot.github import paged
from bot.markers import find_markers, marker
from bot.toml_lines import key_lines
from checks import AnalyzeOptions

if TYPE_CHECKING:  # bot/context.py imports RepoConfig from here
    from bot.context import JobContext, Outcome

PATH = ".github/blindspot.toml"
MARKER_KIND = "repo_config"
DRAFT_SKIPPED = "Draft PR: not analysed until it is ready for review"
CONCLUSIONS = schema.CONCLUSIONS
__all__ = ["DEFAULT_LABEL", "PATH", "RepoConfig", "parse", "publish", "to_options"]


@dataclass(frozen=True)
class RepoConfig:
    options: AnalyzeOptions = field(default_factory=AnalyzeOptions)
    label: str = DEFAULT_LABEL
    comment_budget: int = 20
    """At most this many new inline comments per push."""
    group_threshold: int = 5
    """More findings than this of one rule in one file become one grouped comment."""
    summary_comment: bool = False
    """Also keep one sticky summary comment on the PR (the check run always has the summary)."""
    draft: str = "analyse"
    """`analyse`: drafts are reviewed but not blocked; `skip`: drafts are not analysed."""
    conclusion: str = "action_required"
    """Check conclusion when findings need review (warning or above)."""
    approve_permission: str = "write"
    """Minimum repository role for `/blindspot approve` (write, maintain or admin)."""
    approve_teams: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    """Problems found in the file, each `line N: ...`; non-empty means the defaults are in use."""
    notes: tuple[str, ...] = ()
    """Old spellings that still work, each naming the new one."""
    source: str = "defaults"

    @property
    def max_inline_comments(self) -> int:
        """The issue-6 name of `comment_budget`."""
        return self.comment_budget


def to_options(r: Reader) -> AnalyzeOptions:
    """Every analysis setting of the file -> `checks.AnalyzeOptions` (the one place they meet)."""
    enabled, disabled, severity = schema.read_rules(r)
    for name in ("paths", "lock", "toctou", "checks"):
        r.table((name,), schema.TABLES[name])
    names = "a list of Rust identifiers"
    return AnalyzeOptions(
        families=schema.read_families(r),
        enabled_rules=enabled,
        disabled_rules=disabled,
        severity=severity,
        include=tuple(r.value(("paths", "include"), [], is_names, "a list of glob strings")),
        exclude=tuple(r.value(("paths", "exclude"), [], is_names, "a list of glob strings")),
        lock_methods=tuple(r.value(("lock", "methods"), [], lambda v: is_names(v, schema.IDENT), names)),
        toctou_checks=tuple(r.value(("toctou", "checks"), [], lambda v: is_names(v, schema.IDENT), names)),
        toctou_uses=tuple(r.value(("toctou", "uses"), [], lambda v: is_names(v, schema.IDENT), names)),
        edition=r.value(("edition",), None, lambda v: v in schema.EDITIONS and not isinstance(v, bool),
                        f"one of {', '.join(map(str, schema.EDITIONS))}"),
    )


def _build(r: Reader) -> RepoConfig:
    for key in r.data:
        if key not in schema.TOP_LEVEL:
            r.problem((key,), f"unknown key (known: {', '.join(schema.TOP_LEVEL)})")
    options = to_options(r)
    for name in ("review", "approve", "check", "label"):
        r.table((name,), schema.TABLES[name])
    label = r.value(("review", "label"), DEFAULT_LABEL, lambda v: isinstance(v, str) and 0 < len(v.strip()) <= 50,
                    "a non-empty string of at most 50 characters (GitHub's limit for label names)")
    return RepoConfig(
        options=options, label=label, source=PATH,
        comment_budget=r.value(("review", "comment_budget"), 20, lambda v: is_int(v, 0, 50), "an integer from 0 to 50"),
        group_threshold=r.value(("review", "group_threshold"), 5, lambda v: is_int(v, 2, 100),
                                "an integer from 2 to 100"),
        summary_comment=r.value(("review", "summary_comment"), False, lambda v: isinstance(v, bool), "true or false"),
        draft=r.value(("review", "draft"), "analyse", lambda v: v in schema.DRAFT_MODES,
                      f"one of {', '.join(schema.DRAFT_MODES)}"),
        approve_permission=r.value(("approve", "permission"), "write", lambda v: v in schema.PERMISSIONS,
                                   f"one of {', '.join(schema.PERMISSIONS)}"),
        approve_teams=tuple(r.value(("approve", "teams"), [], lambda v: is_names(v, schema.TEAM),
                                    "a list of team slugs (`team` or `org/team`)")),
        conclusion=r.value(("check", "conclusion"), "action_required", lambda v: v in CONCLUSIONS,
                           f"one of {', '.join(CONCLUSIONS)}"),
    )


def parse(text: bytes | None) -> RepoConfig:
    """The config in `text` (None: the file is absent), or the defaults with the errors found."""
    if text is None:
        return RepoConfig()
    try:
        source = text.decode("utf-8")
        data = tomllib.loads(source)
    except UnicodeDecodeError:
        return RepoConfig(errors=(f"`{PATH}` is not UTF-8 text",))
    except tomllib.TOMLDecodeError as e:
        return RepoConfig(errors=(f"`{PATH}` is not valid TOML: {e}",))
    r = Reader(data, key_lines(source))
    config = _build(r)
    notes = tuple(str(p) for p in _sorted(r.notes))
    if r.problems:
        return RepoConfig(errors=tuple(str(p) for p in _sorted(r.problems)), notes=notes)
    return replace(config, notes=notes)


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(_unique(problems), key=lambda p: (p.line if p.line is not None else 0))


def validation_comment(config: RepoConfig, head_sha: str) -> str:
    """The text of the one comment about the PR's own version of the file."""
    if config.errors:
        lines = [f"### `{PATH}` as changed in this PR has {len(config.errors)} problem(s)", "",
                 "Once merged, Blindspot would ignore this file and use its defaults. This PR itself is "
                 "judged by the config on the base branch.", "", *[f"- {e}" for e in config.errors]]
    else:
        lines = [f"### `{PATH}` as changed in this PR is valid now", "",
                 "It takes effect for pull requests once merged; this PR is still judged by the config "
                 "on the base branch."]
    if config.notes:
        lines += ["", *[f"- note: {n}" for n in config.notes]]
    lines += ["", f"Checked at {head_sha[:7]}. Every key is described in docs/config.md.", "", marker(MARKER_KIND)]
    return "\n".join(lines)


async def _our_comment(ctx: JobContext) -> dict[str, Any] | None:
    comments = await paged(ctx.gh, "/repos/{owner}/{repo}/issues/{number}/comments{?per_page}",
                           {**ctx.pr.url_vars, "per_page": 100}, 3000)
    return next((c for c in comments if (c.get("user") or {}).get("type") == "Bot"
                 and any(m.kind == MARKER_KIND for m in find_markers(c.get("body")))), None)


async def publish(ctx: JobContext, outcome: Outcome) -> None:
    """When the PR changes the config file: validate its head version in ONE comment, edited in place.

    `outcome.fetched.commentable` holds every file the PR adds or modifies. A valid edit with no
    earlier comment says nothing; a fixed one turns the earlier comment into "valid now".
    """
    if PATH not in outcome.fetched.commentable:
        return
    config = parse(await ctx.gh.content(ctx.pr.owner, ctx.pr.repo, PATH, ctx.pr.head_sha))
    body = validation_comment(config, ctx.pr.head_sha)
    existing = await _our_comment(ctx)
    if existing is None and (config.errors or config.notes):
        await ctx.gh.post("/repos/{owner}/{repo}/issues/{number}/comments", ctx.pr.url_vars, data={"body": body})
    elif existing is not None and existing.get("body") != body:
        await ctx.gh.patch("/repos/{owner}/{repo}/issues/comments/{comment_id}",
                           {**ctx.pr.url_vars, "comment_id": existing["id"]}, data={"body": body})
    ctx.log.info("pr config validated", errors=len(config.errors))
