"""Webhook deliveries as GitHub sends them: example-shaped payloads filled from stand-in state, signed."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import uuid
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from bot.sandbox import render
from bot.sandbox.render import rebrand
from bot.sandbox.state import PullRequest, Repo

if TYPE_CHECKING:
    from bot.sandbox.server import GitHubStandIn

TEMPLATES = {
    ("pull_request", "opened"): "pull_request.opened.json",
    ("pull_request", "synchronize"): "pull_request.synchronize.json",
    ("pull_request", "reopened"): "pull_request.reopened.json",
    ("pull_request", "ready_for_review"): "pull_request.ready_for_review.with-installation.json",
    ("issue_comment", "created"): "issue_comment.created.on-pull-request.derived.json",
    ("check_run", "rerequested"): "check_run.rerequested.json",
}
HOOK_ID = "424242"


@cache
def _template(event: str, action: str) -> dict[str, Any]:
    name = TEMPLATES[(event, action)]
    text = resources.files("bot.sandbox").joinpath(f"data/examples/{name}").read_text(encoding="utf-8")
    payload: dict[str, Any] = json.loads(text)
    return payload


def template(event: str, action: str) -> dict[str, Any]:
    """A fresh copy of the example payload used as the shape for an event and action."""
    if (event, action) not in TEMPLATES:
        raise ValueError(f"no payload template for {event}.{action}; known: {sorted(TEMPLATES)}")
    return copy.deepcopy(_template(event, action))


def build_delivery(
    event: str, payload: dict[str, Any], secret: str, delivery_id: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """(body, headers) of a delivery as GitHub POSTs it, signed with the webhook secret."""
    body = json.dumps(payload).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/8e03811",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": HOOK_ID,
        "X-Hub-Signature-256": f"sha256={digest}",
        "X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest(),
    }
    installation = payload.get("installation")
    if isinstance(installation, dict):
        headers["X-GitHub-Hook-Installation-Target-ID"] = str(payload.get("repository", {}).get("id", ""))
        headers["X-GitHub-Hook-Installation-Target-Type"] = "integration"
    return body, headers


def _user(standin: GitHubStandIn, template_user: dict[str, Any], login: str) -> dict[str, Any]:
    out: dict[str, Any] = rebrand(template_user, [(template_user["login"], login)])
    out["id"] = standin.world.user_id(login)
    out["node_id"] = f"U_{out['id']}"
    out["type"] = "Bot" if login.endswith("[bot]") else "User"
    return out


def _repository(standin: GitHubStandIn, repo: Repo, template_repo: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = rebrand(template_repo, _names(template_repo["full_name"], repo))
    out.update(id=repo.id, node_id=f"R_{repo.id}", name=repo.name, full_name=repo.full_name,
               default_branch=repo.default_branch, has_discussions=False)
    if "master_branch" in out:
        out["master_branch"] = repo.default_branch
    out["owner"] = _user(standin, template_repo["owner"], repo.owner)
    return out


def _names(template_full_name: str, repo: Repo) -> list[tuple[str, str]]:
    owner, name = template_full_name.split("/")
    return [(template_full_name, repo.full_name), (f"/{owner}", f"/{repo.owner}"), (f"/{name}", f"/{repo.name}")]


def _installation(standin: GitHubStandIn, repo: Repo, installation_id: int | None) -> dict[str, Any]:
    iid = installation_id if installation_id is not None else repo.installation_id
    return {"id": iid, "node_id": f"MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u{iid}"}


def pull_request_payload(
    standin: GitHubStandIn, owner: str, repo: str, number: int, action: str = "opened",
    installation_id: int | None = None, sender: str | None = None,
) -> dict[str, Any]:
    """A `pull_request` payload for the stand-in's PR; `before` of synchronize is the head's parent commit."""
    r = standin.world.repo(owner, repo)
    pr = standin.world.pull(owner, repo, number)
    payload = template("pull_request", action)
    payload.update(action=action, number=pr.number)
    payload["pull_request"] = _pull_request(standin, r, pr, payload["pull_request"])
    payload["repository"] = _repository(standin, r, payload["repository"])
    payload["installation"] = _installation(standin, r, installation_id)
    payload["sender"] = _user(standin, payload["sender"], sender or pr.author)
    payload.pop("organization", None)
    if action == "synchronize":
        payload["before"] = r.commits[pr.head_sha].parent or pr.base_sha
        payload["after"] = pr.head_sha
    return payload


def _pull_request(standin: GitHubStandIn, repo: Repo, pr: PullRequest, shape: dict[str, Any]) -> dict[str, Any]:
    old_number = str(shape["number"])
    replacements = [*_names(shape["base"]["repo"]["full_name"], repo), (f"/{old_number}", f"/{pr.number}")]
    out: dict[str, Any] = rebrand(shape, replacements)
    out.update(
        id=repo.id * 10000 + pr.number, node_id=f"PR_{repo.id}_{pr.number}", number=pr.number, title=pr.title,
        body=pr.body, state="open", draft=pr.draft, locked=False, created_at=pr.created_at, updated_at=pr.updated_at,
        labels=[], assignees=[], assignee=None, requested_reviewers=[], requested_teams=[], milestone=None,
        user=_user(standin, shape["user"], pr.author), merged=False, mergeable=None, rebaseable=None,
        mergeable_state="unknown", comments=0, review_comments=0, commits=1, changed_files=len(pr.files),
        additions=sum(f.additions for f in pr.files), deletions=sum(f.deletions for f in pr.files),
        author_association="OWNER" if pr.author == repo.owner else "CONTRIBUTOR",
    )
    out["statuses_url"] = out["statuses_url"].rsplit("/", 1)[0] + f"/{pr.head_sha}"
    for side, branch, sha in (("head", pr.head, pr.head_sha), ("base", pr.base, pr.base_sha)):
        out[side].update(label=f"{repo.owner}:{branch}", ref=branch, sha=sha,
                         user=_user(standin, shape[side]["user"], repo.owner),
                         repo=_repository(standin, repo, shape[side]["repo"]))
    return out


def issue_comment_payload(
    standin: GitHubStandIn, owner: str, repo: str, number: int, comment: dict[str, Any], action: str = "created",
    installation_id: int | None = None,
) -> dict[str, Any]:
    """An `issue_comment` payload for a comment on the stand-in's PR (e.g. from `standin.add_comment`)."""
    r = standin.world.repo(owner, repo)
    pr = standin.world.pull(owner, repo, number)
    payload = template("issue_comment", action)
    shape = payload["issue"]
    replacements = [*_names(payload["repository"]["full_name"], r), (f"/{shape['number']}", f"/{pr.number}")]
    issue: dict[str, Any] = rebrand(shape, replacements)
    issue.update(
        id=r.id * 10000 + pr.number, node_id=f"I_{r.id}_{pr.number}", number=pr.number, title=pr.title, body=pr.body,
        user=_user(standin, shape["user"], pr.author), labels=[], assignee=None, assignees=[], milestone=None,
        state="open", draft=pr.draft, created_at=pr.created_at, updated_at=pr.updated_at,
        comments=len(standin.issue_comments(owner, repo, number)),
        author_association="OWNER" if pr.author == r.owner else "CONTRIBUTOR",
    )
    login = comment["user"]["login"]
    out_comment: dict[str, Any] = rebrand(payload["comment"], replacements)
    out_comment.update({k: comment[k] for k in ("id", "node_id", "body", "created_at", "updated_at", "html_url",
                                                 "url", "issue_url", "author_association") if k in comment})
    out_comment["user"] = _user(standin, payload["comment"]["user"], login)
    payload.update(action=action, issue=issue, comment=out_comment)
    payload["repository"] = _repository(standin, r, payload["repository"])
    payload["installation"] = _installation(standin, r, installation_id)
    payload["sender"] = _user(standin, payload["sender"], login)
    payload.pop("organization", None)
    return payload


def check_run_payload(
    standin: GitHubStandIn, owner: str, repo: str, check_run_id: int, action: str = "rerequested",
    sender: str = "alice", installation_id: int | None = None,
) -> dict[str, Any]:
    """A `check_run` payload (someone pressed "Re-run") for a check run the App created in the stand-in."""
    r = standin.world.repo(owner, repo)
    run = r.check_runs[check_run_id]
    payload = template("check_run", action)
    shape = payload["check_run"]
    check: dict[str, Any] = rebrand(shape, _names(payload["repository"]["full_name"], r))
    for key in ("id", "node_id", "head_sha", "external_id", "url", "html_url", "details_url", "status", "conclusion",
                "started_at", "completed_at", "name"):
        check[key] = run[key]
    check["details_url"] = run["details_url"] or run["html_url"]  # GitHub falls back to the run's page
    check["output"].update({k: run["output"][k] for k in check["output"]})
    check["app"] = _app(standin, shape["app"])
    branch = next((b for b, sha in r.branches.items() if sha == run["head_sha"]), None)
    check["check_suite"].update(
        id=run["check_suite"]["id"], head_branch=branch, head_sha=run["head_sha"], status=run["status"],
        conclusion=run["conclusion"], app=check["app"], before=None, after=run["head_sha"],
        pull_requests=run["pull_requests"],
        url=f"https://api.github.com/repos/{r.full_name}/check-suites/{run['check_suite']['id']}",
    )
    check["pull_requests"] = run["pull_requests"]
    payload.update(action=action, check_run=check)
    payload["repository"] = _repository(standin, r, payload["repository"])
    payload["repository"].setdefault("disabled", False)  # required by GitHub's schema, missing from the example
    payload["installation"] = _installation(standin, r, installation_id)
    payload["sender"] = _user(standin, payload["sender"], sender)
    payload.pop("organization", None)
    return payload


def _app(standin: GitHubStandIn, shape: dict[str, Any]) -> dict[str, Any]:
    """The App as webhook payloads show it, with ISO timestamps and its permissions."""
    app = render.app(standin.world, standin.app_id)
    out: dict[str, Any] = dict(shape)
    out.update({k: app[k] for k in ("id", "node_id", "name", "slug", "created_at", "updated_at") if k in app})
    out["owner"] = _user(standin, shape["owner"], render.APP_OWNER)
    out["permissions"] = dict(render.PERMISSIONS)
    out["events"] = ["check_run", "check_suite", "issue_comment", "pull_request"]
    return out
