"""Slash commands: webhook routing (thin: parse, enqueue) and the job that runs them in the PR's queue.

Sources: PR conversation comments (`issue_comment`), review bodies (`pull_request_review`) and
review comments (`pull_request_review_comment`), created or edited; on an edit only commands not
in the previous text run (bot/slash.py). Comments by bots, ourselves included, are ignored.
Every command gets a reaction: eyes on receipt, +1 done, confused refused with a one-line reason.
The verbs themselves live in bot/verbs.py.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from typing import Any

import gidgethub
from gidgethub import routing, sansio

from bot import labels, repo_config, slash
from bot.analyzer import Analyzer
from bot.context import PullRef
from bot.github import GitHubApp, InstallationAPI
from bot.intake import Intake, pull_ref
from bot.jobs import Job
from bot.markers import marker
from bot.store import Store

COMMAND, LABEL_GUARD = "command", "label_guard"
MARKER_KIND = "commands"
PERMISSION_TTL = 60.0
RANK = {"none": 0, "read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5}
router = routing.Router()


def is_bot(user: dict[str, Any] | None) -> bool:
    user = user or {}
    return user.get("type") == "Bot" or str(user.get("login", "")).endswith("[bot]")


def _partial_ref(data: dict[str, Any], number: int) -> PullRef:
    """The PR of an issue comment: the head is read by the job (issue payloads do not carry it)."""
    repo = data["repository"]
    return PullRef(owner=repo["owner"]["login"], repo=repo["name"], number=number,
                   installation_id=int(data["installation"]["id"]), head_sha="", base_sha="", base_ref="")


def commands_in(data: dict[str, Any], item: dict[str, Any]) -> list[slash.Command]:
    """Commands to run from a created or edited comment/review (edits: only the new ones)."""
    body = item.get("body") or ""
    if data.get("action") == "edited":
        old = ((data.get("changes") or {}).get("body") or {}).get("from")
        return slash.new_commands(old or "", body)
    return slash.parse_commands(body)


async def _enqueue(intake: Intake, data: dict[str, Any], pr: PullRef, item: dict[str, Any], source: str) -> None:
    if is_bot(data.get("sender")) or is_bot(item.get("user")):
        intake.log.info("comment ignored", reason="written by a bot")
        return
    found = commands_in(data, item)
    if not found:
        return
    await intake.command(pr, COMMAND, {
        "source": {"kind": source, "id": int(item["id"]), "login": item["user"]["login"]},
        "commands": [{"verb": c.verb, "args": list(c.args), "reason": c.reason, "error": c.error} for c in found]})


@router.register("issue_comment", action="created")
@router.register("issue_comment", action="edited")
async def on_issue_comment(event: sansio.Event, intake: Intake) -> None:
    data = event.data
    if not data["issue"].get("pull_request"):
        return  # a plain issue, not a PR
    await _enqueue(intake, data, _partial_ref(data, int(data["issue"]["number"])), data["comment"], "issue_comment")


@router.register("pull_request_review", action="submitted")
@router.register("pull_request_review", action="edited")
async def on_review(event: sansio.Event, intake: Intake) -> None:
    data = event.data
    pr = pull_ref(data["repository"], data["pull_request"], int(data["installation"]["id"]))
    await _enqueue(intake, data, pr, data["review"], "review")


@router.register("pull_request_review_comment", action="created")
@router.register("pull_request_review_comment", action="edited")
async def on_review_comment(event: sansio.Event, intake: Intake) -> None:
    data = event.data
    pr = pull_ref(data["repository"], data["pull_request"], int(data["installation"]["id"]))
    await _enqueue(intake, data, pr, data["comment"], "review_comment")


@router.register("pull_request", action="labeled")
@router.register("pull_request", action="unlabeled")
async def on_label(event: sansio.Event, intake: Intake) -> None:
    """A person changed a label: the job reverts it when it is the review label (only the bot sets it)."""
    data = event.data
    if is_bot(data.get("sender")) or not data.get("label"):
        return
    pr = pull_ref(data["repository"], data["pull_request"], int(data["installation"]["id"]))
    await intake.command(pr, LABEL_GUARD, {"label": data["label"]["name"], "action": data["action"],
                                           "login": data["sender"]["login"]})


class Refused(Exception):
    """A command that may not or cannot run; the message is the one-line reason shown to the user."""


@dataclass
class CommandJob:
    """What a verb works with: the PR at its current head, who asked, and the job's tools."""

    gh: InstallationAPI
    store: Store
    pr: PullRef
    pull: dict[str, Any]
    config: repo_config.RepoConfig
    login: str
    source: dict[str, Any]
    log: Any
    analyzer: Analyzer

    @property
    def author(self) -> str:
        return str(self.pull["user"]["login"])


_PERMISSIONS: weakref.WeakKeyDictionary[GitHubApp, dict[tuple[int, str, str], tuple[str, float]]] = (
    weakref.WeakKeyDictionary())


async def permission(cj: CommandJob, login: str) -> str:
    """The user's role on the repo (admin, maintain, write, triage, read, none), cached for a minute."""
    cache = _PERMISSIONS.setdefault(cj.gh.app, {})
    key = (cj.pr.installation_id, f"{cj.pr.owner}/{cj.pr.repo}", login.lower())
    hit = cache.get(key)
    if hit is not None and hit[1] > time.monotonic():
        return hit[0]
    data = await cj.gh.getitem("/repos/{owner}/{repo}/collaborators/{username}/permission",
                               {**cj.pr.url_vars, "username": login})
    role = str(data.get("role_name") or "")
    role = role if role in RANK else str(data.get("permission") or "none")
    cache[key] = (role, time.monotonic() + PERMISSION_TTL)
    return role


_TEAMS: weakref.WeakKeyDictionary[GitHubApp, dict[tuple[int, str, str], tuple[bool, float]]] = (
    weakref.WeakKeyDictionary())


def teams_of(cj: CommandJob) -> list[str]:
    """The configured approver teams as `org/slug` (a bare slug is in the repository owner's org)."""
    return [t if "/" in t else f"{cj.pr.owner}/{t}" for t in cj.config.approve_teams]


def who_may(cj: CommandJob, or_more: str = "") -> str:
    """'write permission', or 'write permission or membership in org/a or org/b' with teams configured."""
    teams = teams_of(cj)
    return (f"{cj.config.approve_permission} permission{or_more}"
            + (f" or membership in {' or '.join(teams)}" if teams else ""))


async def team_member(cj: CommandJob, login: str, team: str) -> bool:
    """Whether the user is an active member of `org/slug` (a pending invitation is not), cached for a minute.

    404 means not a member (or a team the App cannot see); 403 means the installation has not granted the
    organization `members: read` permission, which is logged and counts as not a member.
    """
    org, slug = team.split("/", 1)
    cache = _TEAMS.setdefault(cj.gh.app, {})
    key = (cj.pr.installation_id, team.lower(), login.lower())
    hit = cache.get(key)
    if hit is not None and hit[1] > time.monotonic():
        return hit[0]
    try:
        data = await cj.gh.getitem("/orgs/{org}/teams/{team_slug}/memberships/{username}",
                                   {"org": org, "team_slug": slug, "username": login})
        member = data.get("state") == "active"
    except gidgethub.BadRequest as exc:
        if exc.status_code not in (403, 404):
            raise
        if exc.status_code == 403:
            cj.log.warning("team membership unreadable", team=team, reason="organization members permission missing")
        member = False
    cache[key] = (member, time.monotonic() + PERMISSION_TTL)
    return member


async def may_approve(cj: CommandJob, login: str) -> tuple[bool, str]:
    """(allowed, role): the repo role reaches `approve_permission`, or the user is in a configured team."""
    need = cj.config.approve_permission
    role = await permission(cj, login)
    if RANK.get(role, 0) >= RANK.get(need, RANK["write"]):
        return True, role
    for team in teams_of(cj):
        if await team_member(cj, login, team):
            return True, role
    return False, role


async def require(cj: CommandJob, verb: str) -> None:
    """Refuse unless the commenter holds the repo's approve permission or is in one of its approver teams."""
    allowed, role = await may_approve(cj, cj.login)
    if not allowed:
        raise Refused(f"`{verb}` needs {who_may(cj)}; @{cj.login} has {role}")


async def react(cj: CommandJob, content: str) -> None:
    """A reaction on the comment; review bodies have no reactions API, so they get none."""
    kind, cid = cj.source["kind"], cj.source["id"]
    urls = {"issue_comment": "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
            "review_comment": "/repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions"}
    if kind in urls:
        await cj.gh.post(urls[kind], {**cj.pr.url_vars, "comment_id": cid}, data={"content": content})


async def reply(cj: CommandJob, text: str) -> None:
    """Answer in the review comment's thread, else in the PR conversation."""
    body = f"{text}\n\n{marker(MARKER_KIND)}"
    if cj.source["kind"] == "review_comment":
        await cj.gh.post("/repos/{owner}/{repo}/pulls/{number}/comments/{comment_id}/replies",
                         {**cj.pr.url_vars, "comment_id": cj.source["id"]}, data={"body": body})
    else:
        await cj.gh.post("/repos/{owner}/{repo}/issues/{number}/comments", cj.pr.url_vars, data={"body": body})


async def _context(gh: InstallationAPI, store: Store, job: Job, log: Any, analyzer: Analyzer) -> CommandJob:
    ref = PullRef.from_json(job.payload["pr"])
    pull = await gh.getitem("/repos/{owner}/{repo}/pulls/{number}", ref.url_vars)
    pr = PullRef(owner=ref.owner, repo=ref.repo, number=ref.number, installation_id=ref.installation_id,
                 head_sha=pull["head"]["sha"], base_sha=pull["base"]["sha"], base_ref=pull["base"]["ref"],
                 draft=bool(pull.get("draft")))
    config = repo_config.parse(await gh.content(pr.owner, pr.repo, repo_config.PATH, pr.base_sha))
    source = job.payload.get("source") or {"kind": "none", "id": 0, "login": job.payload.get("login", "")}
    return CommandJob(gh=gh, store=store, pr=pr, pull=pull, config=config, login=source["login"], source=source,
                      log=log, analyzer=analyzer)


async def run_job(gh: InstallationAPI, store: Store, job: Job, log: Any, analyzer: Analyzer) -> None:
    cj = await _context(gh, store, job, log, analyzer)
    if cj.pull.get("state") != "open":
        log.info("commands ignored", reason="pull request closed")
        return
    if job.kind == LABEL_GUARD:
        await labels.guard(cj.gh, store, cj.pr, cj.config, job.payload, log)
        return
    for raw in job.payload["commands"]:
        await run_one(cj, slash.Command(raw["verb"], tuple(raw["args"]), raw["reason"], error=raw["error"]))


async def run_one(cj: CommandJob, cmd: slash.Command) -> None:
    from bot.verbs import VERBS

    await react(cj, "eyes")
    try:
        if not cmd.ok:
            raise Refused(cmd.error)
        answer = await VERBS[cmd.verb](cj, cmd)
    except Refused as e:
        cj.log.info("command refused", verb=cmd.verb, login=cj.login, reason=str(e))
        await react(cj, "confused")
        await reply(cj, f"@{cj.login} {e}")
        return
    except gidgethub.BadRequest as e:
        if e.status_code not in (404, 422):
            raise
        await react(cj, "confused")
        await reply(cj, f"@{cj.login} `{cmd.verb}` failed: GitHub answered {int(e.status_code)} ({str(e)[:120]})")
        return
    cj.log.info("command done", verb=cmd.verb, login=cj.login)
    await react(cj, "+1")
    if answer:
        await reply(cj, answer)
