"""The review label (default `blindspot: needs review`): on while findings await approval, off when none do.

Before its first use in a repo (per process) the label is created with a colour and a
description; GitHub answers 422 when it exists already, which is fine. Only the bot changes it:
a person adding or removing it is reverted with a comment on how to approve instead.
"""

from __future__ import annotations

from typing import Any

import gidgethub

from bot.context import JobContext, Outcome, PullRef
from bot.github import InstallationAPI
from bot.markers import marker
from bot.repo_config import RepoConfig
from bot.store import Store

MARKER_KIND = "labels"
GUARD_MARKER = "label_guard"
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
    action = decide_label(bool(outcome.awaiting_approval), ctx.state.label_applied)
    name = ctx.config.label
    if action == "add":
        await _ensure_label(ctx, name)
        await ctx.gh.post("/repos/{owner}/{repo}/issues/{number}/labels", ctx.pr.url_vars, data={"labels": [name]})
        ctx.state.label_applied = True
    elif action == "remove":
        await _remove(ctx.gh, ctx.pr, name)
        ctx.state.label_applied = False
    if action is not None:
        await ctx.store.save_pull_state(ctx.state)
        ctx.log.info("label changed", label=name, action=action)


async def _remove(gh: InstallationAPI, pr: PullRef, name: str) -> None:
    try:
        await gh.delete("/repos/{owner}/{repo}/issues/{number}/labels/{name}", {**pr.url_vars, "name": name})
    except gidgethub.BadRequest as e:
        if e.status_code != 404:
            raise


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


async def guard(gh: InstallationAPI, store: Store, pr: PullRef, config: RepoConfig, change: dict[str, Any],
                log: Any) -> None:
    """Undo a person's change to the review label (issue 7 §3): only approvals take it off."""
    if change["label"] != config.label:
        return
    state = await store.pull_state(pr.key, pr.installation_id)
    removed = change["action"] == "unlabeled"
    if removed == state.label_applied:
        if removed:
            await gh.post("/repos/{owner}/{repo}/issues/{number}/labels", pr.url_vars, data={"labels": [config.label]})
        else:
            await _remove(gh, pr, config.label)
        how = ("A maintainer accepts the findings after reading the code with `/blindspot approve all -- <reason>`; "
               "the label then goes by itself.") if state.label_applied else (
               "Blindspot adds it when new findings need a maintainer's review.")
        await gh.post("/repos/{owner}/{repo}/issues/{number}/comments", pr.url_vars, data={"body": (
            f"@{change['login']} the `{config.label}` label is managed by Blindspot, so it was "
            f"{'put back' if removed else 'removed again'}. {how}\n\n{marker(GUARD_MARKER)}")})
        log.info("label change reverted", label=config.label, by=change["login"], action=change["action"])
