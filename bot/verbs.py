"""What each slash command does: approve, rereview, explain, help (run by bot/commands.py).

A verb returns the reply to post (or None: the +1 reaction says it all) or raises `Refused`
with the one-line reason shown to the user.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot import approvals, pulls
from bot.approvals import Approval
from bot.commands import CommandJob, Refused, is_bot, may_approve, require, who_may
from bot.context import JobContext, Outcome
from bot.github import paged
from bot.slash import Command
from checks import Finding
from checks.rules import all_rules


async def approve(cj: CommandJob, cmd: Command) -> str | None:
    """Bind the named findings (or all awaiting approval) at the current head to the approver."""
    await require(cj, "approve")
    result: dict[str, Any] = {}

    async def bind(ctx: JobContext, outcome: Outcome) -> None:
        if outcome.error is not None:
            result["refused"] = "`approve` could not run: the analysis of this head failed (see the check)"
            return
        done = approvals.approved(await approvals.load(cj.store, cj.pr.key))
        matched, unknown = approvals.resolve(cmd.args, outcome.findings, done)
        if unknown:
            result["refused"] = (f"no finding {', '.join(f'`{i}`' for i in unknown)} at `{cj.pr.head_sha[:7]}`; "
                                 "the ids are in the `blindspot` check summary")
            return
        fresh = [f for f in matched if f.fingerprint not in done]
        if any(i.lower() == "all" for i in cmd.args):  # only what was shown: a push may have raced the comment
            result["unseen"] = [f for f in fresh if f.fingerprint not in ctx.state.commented]
            fresh = [f for f in fresh if f.fingerprint in ctx.state.commented]
        if fresh:
            await approvals.record(cj.store, cj.pr.key, Approval(
                login=cj.login, head_sha=cj.pr.head_sha, fingerprints=tuple(f.fingerprint for f in fresh),
                reason=cmd.reason, at=time.time()))
        result["approved"] = fresh

    await pulls.run(cj.gh, cj.store, cj.pr, cj.log, cj.analyzer, before_publish=bind)
    if "refused" in result:
        raise Refused(result["refused"])
    unseen: list[Finding] = result.get("unseen", [])
    if unseen:
        ids = ", ".join(f"`{f.short_id}`" for f in unseen)
        return (f"Approved {len(result['approved'])} finding(s). Not approved: {ids}, new at "
                f"`{cj.pr.head_sha[:7]}` and not yet shown when you wrote the command; they are commented now.")
    if not result["approved"]:
        return f"Nothing to approve at `{cj.pr.head_sha[:7]}`: no finding awaits a maintainer's approval."
    return None


async def rereview(cj: CommandJob, cmd: Command) -> str | None:
    """Analyse the current head again and ask the earlier reviewers to look again."""
    if cj.login.lower() != cj.author.lower():
        allowed, role = await may_approve(cj, cj.login)
        if not allowed:
            raise Refused(f"`rereview` is for the PR author or someone with {who_may(cj)}; @{cj.login} has {role}")
    await pulls.run(cj.gh, cj.store, cj.pr, cj.log, cj.analyzer)
    records = await approvals.load(cj.store, cj.pr.key)
    people = await _earlier_reviewers(cj, records)
    if people:
        await cj.gh.post("/repos/{owner}/{repo}/pulls/{number}/requested_reviewers", cj.pr.url_vars,
                         data={"reviewers": people})
    asked = ", ".join(f"@{p}" for p in people) if people else "nobody (no one has reviewed this PR yet)"
    lines = [f"Re-ran Blindspot on `{cj.pr.head_sha[:7]}` and re-requested review from {asked}."]
    if records:
        last = records[-1]
        web = str(cj.pull["html_url"]).rsplit("/pull/", 1)[0]
        lines.append(f"Changes since the last approval (@{last.login} at `{last.head_sha[:7]}`): "
                     f"{web}/compare/{last.head_sha}...{cj.pr.head_sha}")
    return "\n".join(lines)


async def _earlier_reviewers(cj: CommandJob, records: list[Approval]) -> list[str]:
    """People who reviewed or approved before, minus the author and bots, in first-seen order."""
    reviews = await paged(cj.gh, "/repos/{owner}/{repo}/pulls/{number}/reviews{?per_page}",
                          {**cj.pr.url_vars, "per_page": 100}, 3000)
    logins = [str(r["user"]["login"]) for r in reviews if r.get("user") and not is_bot(r["user"])]
    logins += [a.login for a in records]
    out: list[str] = []
    for login in logins:
        if login.lower() != cj.author.lower() and login.lower() not in {o.lower() for o in out}:
            out.append(login)
    return out


async def explain(cj: CommandJob, cmd: Command) -> str | None:
    """The long explanation of one finding, from its rule's record (the same text as docs/rules/)."""
    sid = cmd.args[0]
    rule_id = await approvals.rule_of(cj.store, cj.pr.key, sid)
    rule = all_rules().get(rule_id or "")
    if rule is None:
        raise Refused(f"no finding `{sid}` on this PR; the ids are in the `blindspot` check summary")
    lines = [f"**`{sid}`: {rule.id}** ({rule.severity.value}): {rule.summary}", "",
             f"**What:** {rule.what}", "", f"**Why it is risky:** {rule.why}", "", f"**How to fix:** {rule.fix}", ""]
    if rule.see_also:
        lines += [f"**See also:** {rule.see_also}", ""]
    lines += ["**How to suppress:** write `// blindspot: allow(" + rule.id + ") reason: <why it is safe>` on or "
              "above the flagged line. A suppression added in a PR is itself a finding that needs "
              f"`/blindspot approve` from someone with {who_may(cj)}.",
              "", f"Full page: `{rule.doc_path}`."]
    return "\n".join(lines)


async def help_(cj: CommandJob, cmd: Command) -> str | None:
    """The commands, who may use them, and where this PR stands."""
    need = who_may(cj, " or more")
    state = await cj.store.pull_state(cj.pr.key, cj.pr.installation_id)
    records = await approvals.load(cj.store, cj.pr.key)
    analysed = f"`{state.analyzed_sha[:7]}`" if state.analyzed_sha else "not yet"
    lines = ["**Blindspot commands** (write them on a line of their own; quoted or code text is ignored):", "",
             "| command | who | what |", "| --- | --- | --- |",
             f"| `/blindspot approve all [-- reason]` | {need} | accept every finding awaiting "
             "review at the current head |",
             f"| `/blindspot approve BS-xxxxxxx... [-- reason]` | {need} | accept these findings |",
             f"| `/blindspot rereview` | the PR author, or {need} | analyse again and re-request "
             "earlier reviewers |",
             "| `/blindspot explain BS-xxxxxxx` | anyone | why a finding is risky and how to fix or suppress it |",
             "| `/blindspot help` | anyone | this message |", "",
             f"**This PR:** last analysed {analysed}; label `{cj.config.label}` "
             f"{'on' if state.label_applied else 'off'}; {len(records)} approval(s)."]
    lines += [a.audit_line() for a in records]
    return "\n".join(lines)


VERBS: dict[str, Callable[[CommandJob, Command], Awaitable[str | None]]] = {
    "approve": approve, "rereview": rereview, "explain": explain, "help": help_}
