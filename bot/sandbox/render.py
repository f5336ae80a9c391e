"""Builds GitHub-shaped JSON from stand-in state, starting from the examples in GitHub's own description."""

from __future__ import annotations

import base64
import zlib
from typing import Any

from bot.sandbox.contract import example
from bot.sandbox.diff import FileDiff
from bot.sandbox.state import PullRequest, Repo, World, now_iso

API = "https://api.github.com"
WEB = "https://github.com"
APP_SLUG = "blindspot"
APP_OWNER = "blindspot-dev"  # the account that owns the App (not an installation account)
PERMISSIONS = {"checks": "write", "contents": "read", "issues": "write", "metadata": "read", "pull_requests": "write"}


def rebrand(node: Any, replacements: list[tuple[str, str]]) -> Any:
    """Copy of a JSON node with each `old` substring of every string replaced by `new`."""
    if isinstance(node, dict):
        return {k: rebrand(v, replacements) for k, v in node.items()}
    if isinstance(node, list):
        return [rebrand(v, replacements) for v in node]
    if isinstance(node, str):
        for old, new in replacements:
            node = node.replace(old, new)
    return node


def user(world: World, login: str, kind: str = "User") -> dict[str, Any]:
    """A simple-user object."""
    template = example("issue-comment")["user"]
    out: dict[str, Any] = rebrand(template, [("octocat", login)])
    uid = world.user_id(login)
    out.update(id=uid, node_id=f"U_{uid}", type=kind)
    if login.endswith("[bot]"):
        out["type"] = "Bot"
    return out


def repository(world: World, repo: Repo) -> dict[str, Any]:
    """A full repository object."""
    template = example("installation-token")["repositories"][0]
    out: dict[str, Any] = rebrand(template, [("octocat/Hello-World", repo.full_name), ("Hello-World", repo.name)])
    out.update(
        id=repo.id, node_id=f"R_{repo.id}", name=repo.name, full_name=repo.full_name, owner=user(world, repo.owner),
        default_branch=repo.default_branch, description=None, topics=[], homepage=None, mirror_url=None,
        created_at=repo.created_at, updated_at=repo.created_at, pushed_at=repo.created_at,
        permissions={"admin": False, "maintain": False, "push": False, "triage": False, "pull": True},
        is_template=False, temp_clone_token="", open_issues_count=len(repo.pulls), license=None,
    )
    return out


def label(repo: Repo, name: str, color: str = "ededed", description: str | None = None) -> dict[str, Any]:
    """A label object for a repository."""
    out: dict[str, Any] = example("label")
    lid = zlib.crc32(f"{repo.full_name}/{name}".encode())
    out.update(
        id=lid, node_id=f"LA_{lid}", name=name, color=color, description=description, default=False,
        url=f"{API}/repos/{repo.full_name}/labels/{name}",
    )
    return out


def pull_request(world: World, repo: Repo, pr: PullRequest) -> dict[str, Any]:
    """A full pull-request object (pulls/get)."""
    template = example("pull-request")
    number = str(pr.number)
    out: dict[str, Any] = rebrand(template, [("octocat/Hello-World", repo.full_name), ("/1347", f"/{number}")])
    merged = pr.state == "merged"
    out.update(
        id=repo.id * 10000 + pr.number, node_id=f"PR_{repo.id}_{pr.number}", number=pr.number,
        state="closed" if merged else pr.state, locked=False, title=pr.title, body=pr.body,
        user=user(world, pr.author), labels=[repo.labels[n] for n in pr.labels if n in repo.labels], milestone=None,
        active_lock_reason=None, created_at=pr.created_at, updated_at=pr.updated_at, closed_at=None, merged_at=None,
        merge_commit_sha=None, assignee=None, assignees=[], requested_teams=[], draft=pr.draft, auto_merge=None,
        requested_reviewers=[user(world, login) for login in pr.requested_reviewers],
        author_association=association(repo, pr.author), merged=merged, mergeable=True, rebaseable=True,
        mergeable_state="clean", merged_by=None, comments=_count_issue_comments(repo, pr.number),
        review_comments=sum(1 for c in repo.review_comments.values() if c["__pull"] == pr.number),
        commits=1, additions=sum(f.additions for f in pr.files), deletions=sum(f.deletions for f in pr.files),
        changed_files=len(pr.files), maintainer_can_modify=False,
        statuses_url=f"{API}/repos/{repo.full_name}/statuses/{pr.head_sha}",
    )
    out["head"] = _branch_ref(world, repo, pr.head, pr.head_sha)
    out["base"] = _branch_ref(world, repo, pr.base, pr.base_sha)
    return out


def _branch_ref(world: World, repo: Repo, branch: str, sha: str) -> dict[str, Any]:
    return {"label": f"{repo.owner}:{branch}", "ref": branch, "sha": sha, "user": user(world, repo.owner),
            "repo": repository(world, repo)}


def _count_issue_comments(repo: Repo, number: int) -> int:
    return sum(1 for c in repo.issue_comments.values() if c["__issue"] == number)


def association(repo: Repo, login: str) -> str:
    """author_association of a login in a repository."""
    if login == repo.owner:
        return "OWNER"
    return "COLLABORATOR" if login in repo.collaborators else "CONTRIBUTOR"


def diff_entry(repo: Repo, pr: PullRequest, entry: FileDiff) -> dict[str, Any]:
    """One item of pulls/list-files."""
    out: dict[str, Any] = {
        "sha": entry.sha, "filename": entry.filename, "status": entry.status, "additions": entry.additions,
        "deletions": entry.deletions, "changes": entry.changes,
        "blob_url": f"{WEB}/{repo.full_name}/blob/{pr.head_sha}/{entry.filename}",
        "raw_url": f"{WEB}/{repo.full_name}/raw/{pr.head_sha}/{entry.filename}",
        "contents_url": f"{API}/repos/{repo.full_name}/contents/{entry.filename}?ref={pr.head_sha}",
    }
    if entry.patch is not None:
        out["patch"] = entry.patch
    if entry.previous_filename:
        out["previous_filename"] = entry.previous_filename
    return out


def content_file(repo: Repo, path: str, content: bytes, ref: str) -> dict[str, Any]:
    """repos/get-content for a file: base64 in 60-column lines, like GitHub."""
    encoded = base64.b64encode(content).decode()
    lines = "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60))
    from bot.sandbox.diff import blob_sha

    sha = blob_sha(content)
    url = f"{API}/repos/{repo.full_name}/contents/{path}?ref={ref}"
    return {
        "type": "file", "encoding": "base64", "size": len(content), "name": path.rsplit("/", 1)[-1], "path": path,
        "content": lines + ("\n" if lines else ""), "sha": sha, "url": url,
        "git_url": f"{API}/repos/{repo.full_name}/git/blobs/{sha}",
        "html_url": f"{WEB}/{repo.full_name}/blob/{ref}/{path}",
        "download_url": f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{path}",
        "_links": {"self": url, "git": f"{API}/repos/{repo.full_name}/git/blobs/{sha}",
                   "html": f"{WEB}/{repo.full_name}/blob/{ref}/{path}"},
    }


def content_directory(repo: Repo, path: str, tree: dict[str, bytes], ref: str) -> list[dict[str, Any]] | None:
    """repos/get-content for a directory (None when no file lives under `path`)."""
    prefix = path.rstrip("/") + "/" if path else ""
    names: dict[str, str] = {}
    for p in tree:
        if p.startswith(prefix):
            rest = p[len(prefix):]
            names.setdefault(rest.split("/", 1)[0], "dir" if "/" in rest else "file")
    if not names:
        return None
    items = []
    for name, kind in sorted(names.items()):
        entry = content_file(repo, prefix + name, tree.get(prefix + name, b""), ref)
        entry.update(type=kind)
        entry.pop("content")
        entry.pop("encoding")
        items.append(entry)
    return items


def installation(world: World, installation_id: int, app_id: int) -> dict[str, Any]:
    """An installation object."""
    account = world.installations[installation_id]
    replacements = [("github", account), ("/installations/1", f"/installations/{installation_id}")]
    out: dict[str, Any] = rebrand(example("installation"), replacements)
    out.update(
        id=installation_id, app_id=app_id, app_slug=APP_SLUG, target_id=world.user_id(account),
        account=user(world, account, "Organization"), target_type="Organization",
        permissions=dict(PERMISSIONS),
        events=["pull_request", "issue_comment", "check_run", "check_suite"],
        single_file_name=None, has_multiple_single_files=False, single_file_paths=[],
    )
    return out


def app(world: World, app_id: int) -> dict[str, Any]:
    """The integration object of the App, as it appears on check runs."""
    out: dict[str, Any] = example("check-run")["app"]
    out.update(id=app_id, slug=APP_SLUG, name="Blindspot", node_id=f"A_{app_id}")
    out.update(created_at=now_iso(), updated_at=now_iso())
    return out
