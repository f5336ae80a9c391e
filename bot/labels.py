"""The review label (default `blindspot: needs review`): on while findings need review, off when none remain.

Before its first use in a repo (per process) the label is created with a colour and a
description; GitHub answers 422 when it exists already, which is fine.
"""

from __future__ import annotations

import gidgethub

from bot.context import JobContext, Outcome

MARKER_KIND = "labels"
COLOR = "d93f0b"
DESCRIPTION = "Blindspot found unsafe, FFI, TOCTOU or lock code that needs a careful human review"


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
        await _ensure_label(ctx, name)
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


async def _ensure_label(ctx: JobContext, name: str) -> None:
    key = f"{ctx.pr.owner}/{ctx.pr.repo}:{name}"
    if key in ctx.gh.app.ensured_labels:
        return
    try:
        await ctx.gh.post("/repos/{owner}/{repo}/labels", ctx.pr.url_vars,
                          data={"name": name, "color": COLOR, "description": DESCRIPTION})
    except gidgethub.BadRequest as e:
        if e.status_code != 422:
            raise
    ctx.gh.app.ensured_labels.add(key)
