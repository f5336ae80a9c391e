"""One PR review (event COMMENT) per head commit, holding an inline comment per new finding.

Every anchor is checked against the patch before the POST: GitHub rejects the whole review
with 422 when one comment is outside the diff (research/peers.md §8). Findings that cannot be
anchored, or that exceed the inline budget (`comment_budget`), are listed in the review body;
more than `group_threshold` findings of one rule in one file share one comment listing their
lines. A finding already commented (state store, or the hidden markers when the store lost
track or first sees the PR) is never posted again, wherever its lines moved: fingerprints hold
no line numbers. bot/threads.py resolves the threads of findings that went away.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.context import JobContext, Outcome
from bot.github import paged
from bot.markers import find_markers, marker
from checks import Finding

MARKER_KIND = "review"
_ICON = {"error": "🛑", "warning": "⚠️", "note": "ℹ️"}
_ORDER = {"error": 0, "warning": 1, "note": 2}
MAX_BODY_ENTRIES = 100
"""Review bodies are limited to 65,536 characters; the check summary lists everything."""


@dataclass(frozen=True)
class Group:
    """More than `group_threshold` new findings of one rule in one file: one inline comment lists them all."""

    findings: tuple[Finding, ...]
    line: int
    """The anchor: the first line of a member that is inside the diff."""


@dataclass
class ReviewPlan:
    inline: list[tuple[Finding, int]] = field(default_factory=list)
    """(finding, anchor line) for each inline comment."""
    groups: list[Group] = field(default_factory=list)
    in_body: list[Finding] = field(default_factory=list)
    outside_diff: set[str] = field(default_factory=set)
    """Fingerprints listed in the body because no line of theirs is in the diff."""

    @property
    def empty(self) -> bool:
        return not self.inline and not self.groups and not self.in_body

    @property
    def comments(self) -> int:
        """Inline comments this plan posts (a group is one)."""
        return len(self.inline) + len(self.groups)

    @property
    def posted(self) -> list[Finding]:
        return [f for f, _ in self.inline] + [f for g in self.groups for f in g.findings] + self.in_body


def anchor(f: Finding, commentable: frozenset[int]) -> int | None:
    """The first line of the finding's range that is inside the diff, or None."""
    for line in range(f.line, max(f.end_line, f.line) + 1):
        if line in commentable:
            return line
    return None


def units(todo: list[Finding], group_threshold: int) -> list[list[Finding]]:
    """The findings in order, those of a (rule, file) with more than `group_threshold` members gathered at the first."""
    counts = Counter((f.rule, f.path) for f in todo)
    out: list[list[Finding]] = []
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in todo:
        key = (f.rule, f.path)
        if counts[key] <= group_threshold:
            out.append([f])
        elif key in groups:
            groups[key].append(f)
        else:
            groups[key] = [f]
            out.append(groups[key])
    return out


def decide_review(findings: list[Finding], commentable: dict[str, frozenset[int]], commented: set[str],
                  budget: int, group_threshold: int = 5) -> ReviewPlan:
    """Which new findings go inline (anchored, grouped, within budget) and which go to the body."""
    plan = ReviewPlan()
    todo = sorted((f for f in findings if f.fingerprint not in commented),
                  key=lambda f: (_ORDER[f.severity.value], f.path, f.line))
    for unit in units(todo, group_threshold):
        lines = commentable.get(unit[0].path, frozenset())
        line = next((a for f in unit if (a := anchor(f, lines)) is not None), None)
        if line is None:
            plan.in_body.extend(unit)
            plan.outside_diff.update(f.fingerprint for f in unit)
        elif plan.comments >= budget:
            plan.in_body.extend(unit)
        elif len(unit) == 1:
            plan.inline.append((unit[0], line))
        else:
            plan.groups.append(Group(tuple(unit), line))
    return plan


def comment_body(f: Finding) -> str:
    return (f"{_ICON[f.severity.value]} **{f.rule}** ({f.severity.value}, {f.confidence.value} confidence) "
            f"`{f.short_id}`\n\n{f.message}\n\n{marker(MARKER_KIND, f.fingerprint)}")


def group_body(g: Group) -> str:
    """One comment for many findings of one rule in one file: each line with its id, then the shared message."""
    f = g.findings[0]
    where = ", ".join(f"line {m.line} `{m.short_id}`" for m in g.findings)
    markers = " ".join(marker(MARKER_KIND, m.fingerprint) for m in g.findings)
    return (f"{_ICON[f.severity.value]} **{f.rule}** ({f.severity.value}, {f.confidence.value} confidence): "
            f"{len(g.findings)} findings in this file, grouped into one comment: {where}.\n\n"
            f"{f.message}\n\n{markers}")


def review_body(plan: ReviewPlan, head_sha: str) -> str:
    n = len(plan.posted)
    lines = [f"**Blindspot** found {n} new risky construct(s) in this push; see the `blindspot` check for the summary."]
    if plan.in_body:
        lines += ["", "Not commented inline (outside the diff, or over the inline-comment budget):", ""]
        for f in plan.in_body[:MAX_BODY_ENTRIES]:
            where = "outside the diff" if f.fingerprint in plan.outside_diff else "over budget"
            lines.append(f"- {_ICON[f.severity.value]} `{f.path}:{f.line}` **{f.rule}** `{f.short_id}` ({where}): "
                         f"{f.message} {marker(MARKER_KIND, f.fingerprint)}")
    if len(plan.in_body) > MAX_BODY_ENTRIES:
        lines.append(f"- … and {len(plan.in_body) - MAX_BODY_ENTRIES} more: see the `blindspot` check's summary.")
    lines += ["", marker(MARKER_KIND, head=head_sha)]
    return "\n".join(lines)


async def recover_commented(ctx: JobContext) -> dict[str, int | None]:
    """Fingerprints already on the PR, read from our markers (after a crash mid-publish)."""
    found: dict[str, int | None] = {}
    for c in await paged(ctx.gh, "/repos/{owner}/{repo}/pulls/{number}/comments{?per_page}",
                         {**ctx.pr.url_vars, "per_page": 100}, 3000):
        for m in find_markers(c.get("body")):
            if m.kind == MARKER_KIND and m.fingerprint:
                found[m.fingerprint] = int(c["id"])
    for r in await paged(ctx.gh, "/repos/{owner}/{repo}/pulls/{number}/reviews{?per_page}",
                         {**ctx.pr.url_vars, "per_page": 100}, 3000):
        for m in find_markers(r.get("body")):
            if m.kind == MARKER_KIND and m.fingerprint:
                found.setdefault(m.fingerprint, None)
    return found


async def publish(ctx: JobContext, outcome: Outcome) -> None:
    if outcome.error is not None:
        return
    if ctx.state.review_pending_sha or not ctx.state.analyzed_sha:  # cut short, or new to this store
        recovered = await recover_commented(ctx)
        await ctx.store.save_commented(ctx.pr.key, ctx.pr.head_sha, None,
                                       {fp: ("", cid) for fp, cid in recovered.items()})
        ctx.state.commented.update(recovered)
        ctx.log.info("review state recovered", commented=len(recovered))
    plan = decide_review(outcome.findings, outcome.fetched.commentable, set(ctx.state.commented),
                         ctx.config.comment_budget, ctx.config.group_threshold)
    if plan.empty:
        ctx.state.review_pending_sha = ""
        await ctx.store.save_pull_state(ctx.state)
        return
    await _post(ctx, plan)


async def _post(ctx: JobContext, plan: ReviewPlan) -> None:
    ctx.state.review_pending_sha = ctx.pr.head_sha
    await ctx.store.save_pull_state(ctx.state)
    comments = [{"path": f.path, "line": line, "side": "RIGHT", "body": comment_body(f)} for f, line in plan.inline]
    comments += [{"path": g.findings[0].path, "line": g.line, "side": "RIGHT", "body": group_body(g)}
                 for g in plan.groups]
    review = await ctx.gh.post("/repos/{owner}/{repo}/pulls/{number}/reviews", ctx.pr.url_vars, data={
        "commit_id": ctx.pr.head_sha, "event": "COMMENT", "body": review_body(plan, ctx.pr.head_sha),
        "comments": comments})
    # Comment ids are not read back here (one call fewer per push); `recover_commented` finds them
    # from the markers when a feature needs them.
    posted: dict[str, tuple[str, int | None]] = {f.fingerprint: (f.rule, None) for f in plan.posted}
    await ctx.store.save_commented(ctx.pr.key, ctx.pr.head_sha, int(review["id"]), posted)
    ctx.state.commented.update({fp: cid for fp, (_, cid) in posted.items()})
    ctx.state.review_pending_sha = ""
    await ctx.store.save_pull_state(ctx.state)
    ctx.log.info("review posted", review_id=review["id"], inline=len(plan.inline),
                 groups=len(plan.groups), in_body=len(plan.in_body))
