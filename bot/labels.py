"""The review label (default `blindspot: needs review`): on while findings need review, off when none remain.

Adding a label the repo lacks creates it (GitHub's behaviour for the add-labels call); the App
does not call the label-management endpoints, which keeps its permissions to `issues: write`
on pull requests and `pull_requests: write`.
"""

from __future__ import annotations

import gidgethub

from bot.context import JobContext, Outcome

MARKER_KIND = "labels"


def decide_label(needs_review: bool, applied: bool) -> str | None:
    """'add', 'remove' or None (nothing to change)."""
    if needs_review and not applied:
        return "add"
    if not needs_review and applied:
        return "remove"
    return None


async def publish(ctx: JobContext, outcome: Outcome) -> None:
    if outcome.error is not None:
        return
    action = decide_label(bool(outcome.needs_review), ctx.state.label_applied)
    name = ctx.config.label
    if action == "add":
        await ctx.gh.post("/repos/{owner}/{repo}/issues/{number}/labels", ctx.pr.url_vars, data={"labels": [name]})
        ctx.state.label_applied = True
    elif action == "remove":
        try:
            await ctx.gh.delete("/repos/{owner}/{repo}/issues/{number}/labels/{name}",
                                {**ctx.pr.url_vars, "name": name})
        except gidgethub.BadRequest as e:
            if e.status_code != 404:
                raise
        ctx.state.label_applied = False
    if action is not None:
        await ctx.store.save_pull_state(ctx.state)
        ctx.log.info("label changed", label=name, action=action)
