"""The pull-request analysis job and the webhook events that start or stop it.

Flow (DESIGN.md "Data flow" steps 3-5): check run in progress -> repo config from the base
commit -> changed files and blobs -> `checks.analyze` -> publishers (bot/features.py) -> check
run completed. An internal error still completes the check; transient errors propagate so the
worker retries the job.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import gidgethub
from gidgethub import routing, sansio

from bot import checkrun, repo_config
from bot.analyzer import Analyzer
from bot.context import JobContext, Outcome, PullRef
from bot.fetch import fetch, list_files
from bot.github import InstallationAPI, is_transient
from bot.intake import Intake, pull_ref
from bot.store import Store

router = routing.Router()
_BURSTY = frozenset({"synchronize"})


@router.register("pull_request", action="opened")
@router.register("pull_request", action="reopened")
@router.register("pull_request", action="synchronize")
@router.register("pull_request", action="ready_for_review")
@router.register("pull_request", action="edited")
@router.register("pull_request", action="closed")
async def on_pull_request(event: sansio.Event, intake: Intake) -> None:
    data = event.data
    pr = pull_ref(data["repository"], data["pull_request"], int(data["installation"]["id"]))
    action = data["action"]
    if action == "closed":
        await intake.drop(pr.key)
    elif action == "edited" and "base" not in (data.get("changes") or {}):
        intake.log.info("edit ignored", reason="base branch unchanged")
    else:
        await intake.analyze(pr, wait_for_burst=action in _BURSTY)


async def run(gh: InstallationAPI, store: Store, pr: PullRef, log: Any, analyzer: Analyzer,
              before_publish: Callable[[JobContext, Outcome], Awaitable[None]] | None = None) -> Outcome:
    """`before_publish` (slash commands, issue 7) sees the analysis before anything is published."""
    state = await store.pull_state(pr.key, pr.installation_id)
    ctx = JobContext(gh=gh, store=store, pr=pr, state=state, config=repo_config.RepoConfig(), log=log)
    config_text, files, _ = await asyncio.gather(gh.content(pr.owner, pr.repo, repo_config.PATH, pr.base_sha),
                                                 list_files(gh, pr), checkrun.start(ctx))
    ctx.config = repo_config.parse(config_text)
    if pr.draft and ctx.config.draft == "skip":  # repo config: drafts wait for ready_for_review
        outcome = Outcome(skipped=repo_config.DRAFT_SKIPPED)
    else:
        outcome = await _analyze(ctx, files, analyzer)
    if before_publish is not None:
        await before_publish(ctx, outcome)
    from bot.features import PUBLISHERS  # features lists this module's router: import late

    try:
        for publish in PUBLISHERS:
            await publish(ctx, outcome)
    except Exception as e:
        if is_transient(e):
            raise
        outcome.error = _internal(e, log)
    await checkrun.complete(ctx, outcome)
    ctx.state.analyzed_sha = pr.head_sha
    await store.save_pull_state(ctx.state)
    return outcome


async def _analyze(ctx: JobContext, files: list[dict[str, Any]], analyzer: Analyzer) -> Outcome:
    outcome = Outcome()
    try:
        outcome.fetched = await fetch(ctx.gh, ctx.pr, ctx.config.options, files)
        f = outcome.fetched
        outcome.report = await analyzer.analyze(f.base_files, f.head_files, f.changed_paths, ctx.config.options)
        ctx.log.info("analysed", files=len(f.changed_paths), findings=len(outcome.report.findings))
    except Exception as e:
        if is_transient(e):
            raise
        outcome.error = _internal(e, ctx.log)
    return outcome


def _internal(e: Exception, log: Any) -> str:
    log.error("internal error", error=repr(e), trace="".join(traceback.format_exception(e))[-4000:])
    return describe(e)


def describe(e: Exception) -> str:
    """One line for the check run summary saying why Blindspot could not finish."""
    if is_transient(e):
        return f"GitHub kept failing after several tries ({type(e).__name__}: {str(e)[:200]})"
    if isinstance(e, gidgethub.BadRequest):
        hint = " (are the App's permissions those in app.yml?)" if e.status_code in (401, 403, 404) else ""
        return f"GitHub refused a call: {int(e.status_code)} {str(e)[:200]}{hint}"
    return f"internal error ({type(e).__name__}); the maintainers of this Blindspot installation have the log"


async def give_up(gh: InstallationAPI, store: Store, pr: PullRef, reason: str, log: Any) -> None:
    """After the last try: complete (or create completed) the check run saying we could not finish."""
    state = await store.pull_state(pr.key, pr.installation_id)
    ctx = JobContext(gh=gh, store=store, pr=pr, state=state, config=repo_config.RepoConfig(), log=log)
    if state.check_run_sha != pr.head_sha:
        state.check_run_id = None
    if state.check_run_id is None:
        await checkrun.start(ctx)
    await checkrun.complete(ctx, Outcome(error=reason))
