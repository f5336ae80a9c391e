"""One PR review (event COMMENT) per head commit, holding an inline comment per new finding.

Every anchor is checked against the patch before the POST: GitHub rejects the whole review
with 422 when one comment is outside the diff (research/peers.md §8). Findings that cannot be
anchored, or that exceed the inline budget, are listed in the review body. A finding already
commented (state store, or the hidden markers when the store lost track) is never posted again.
"""

from __future__ import annotations

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


@dataclass
class ReviewPlan:
    inline: list[tuple[Finding, int]] = field(default_factory=list)
    """(finding, anchor line) for each inline comment."""
    in_body: list[Finding] = field(default_factory=list)
    outside_diff: set[str] = field(default_factory=set)
    """Fingerprints listed in the body because no line of theirs is in the diff."""

    @property
    def empty(self) -> bool:
        return not self.inline and not self.in_body


def anchor(f: Finding, commentable: frozenset[int]) -> int | None:
    """The first line of the finding's range that is inside the diff, or None."""
    for line in range(f.line, max(f.end_line, f.line) + 1):
        if line in commentable:
            return line
    return None


def decide_review(findings: list[Finding], commentable: dict[str, frozenset[int]], commented: set[str],
                  budget: int) -> ReviewPlan:
    """Which new findings go inline (anchored, within budget) and which go to the body."""
    plan = ReviewPlan()
    todo = sorted((f for f in findings if f.fingerprint not in commented),
                  key=lambda f: (_ORDER[f.severity.value], f.path, f.line))
    for f in todo:
        line = anchor(f, commentable.get(f.path, frozenset()))
        if line is None:
            plan.in_body.append(f)
            plan.outside_diff.add(f.fingerprint)
        elif len(plan.inline) < budget:
            plan.inline.append((f, line))
        else:
            plan.in_body.append(f)
    return plan


def comment_body(f: Finding) -> str:
    return (f"{_ICON[f.severity.value]} **{f.rule}** ({f.severity.value}, {f.confidence.value} confidence) "
            f"`{f.short_id}`\n\n{f.message}\n\n{marker(MARKER_KIND, f.fingerprint)}")


def review_body(plan: ReviewPlan, head_sha: str) -> str:
    n = len(plan.inline) + len(plan.in_body)
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
    if ctx.state.review_pending_sha:
        recovered = await recover_commented(ctx)
        await ctx.store.save_commented(ctx.pr.key, ctx.pr.head_sha, None,
                                       {fp: ("", cid) for fp, cid in recovered.items()})
        ctx.state.commented.update(recovered)
        ctx.log.info("review state recovered", commented=len(recovered))
    plan = decide_review(outcome.findings, outcome.fetched.commentable, set(ctx.state.commented),
                         ctx.config.max_inline_comments)
    if plan.empty:
        ctx.state.review_pending_sha = ""
        await ctx.store.save_pull_state(ctx.state)
        return
    await _post(ctx, plan)


async def _post(ctx: JobContext, plan: ReviewPlan) -> None:
    ctx.state.review_pending_sha = ctx.pr.head_sha
    await ctx.store.save_pull_state(ctx.state)
    comments = [{"path": f.path, "line": line, "side": "RIGHT", "body": comment_body(f)} for f, line in plan.inline]
    review = await ctx.gh.post("/repos/{owner}/{repo}/pulls/{number}/reviews", ctx.pr.url_vars, data={
        "commit_id": ctx.pr.head_sha, "event": "COMMENT", "body": review_body(plan, ctx.pr.head_sha),
        "comments": comments})
    # Comment ids are not read back here (one call fewer per push); `recover_commented` finds them
    # from the markers when a feature needs them.
    posted: dict[str, tuple[str, int | None]] = {f.fingerprint: (f.rule, None) for f, _ in plan.inline}
    posted.update({f.fingerprint: (f.rule, None) for f in plan.in_body})
    await ctx.store.save_commented(ctx.pr.key, ctx.pr.head_sha, int(review["id"]), posted)
    ctx.state.commented.update({fp: cid for fp, (_, cid) in posted.items()})
    ctx.state.review_pending_sha = ""
    await ctx.store.save_pull_state(ctx.state)
    ctx.log.info("review posted", review_id=review["id"], inline=len(plan.inline), in_body=len(plan.in_body))
