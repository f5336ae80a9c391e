"""app.yml asks for exactly what the code uses: the routed events and the permissions its calls need."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.features import handled_events

ROOT = Path(__file__).resolve().parents[2]
ALWAYS_SENT = {"installation", "installation_repositories"}
"""GitHub delivers these to every App without a subscription."""

# URL template as written in bot/ -> the permission its call needs (docs.github.com, "Permissions
# required for GitHub Apps"). A URL missing here fails test_every_call_is_known.
NEEDS = {
    "/repos/{owner}/{repo}/check-runs": ("checks", "write"),
    "/repos/{owner}/{repo}/check-runs/{check_run_id}": ("checks", "write"),
    "/repos/{owner}/{repo}/contents/{+path}{?ref}": ("contents", "read"),
    "/repos/{owner}/{repo}/labels": ("issues", "write"),
    "/repos/{owner}/{repo}/issues/{number}/labels": ("issues", "write"),
    "/repos/{owner}/{repo}/issues/{number}/labels/{name}": ("issues", "write"),
    "/repos/{owner}/{repo}/pulls/{number}/files{?per_page}": ("pull_requests", "read"),
    "/repos/{owner}/{repo}/pulls/{number}/comments{?per_page}": ("pull_requests", "read"),
    "/repos/{owner}/{repo}/pulls/{number}/reviews{?per_page}": ("pull_requests", "read"),
    "/repos/{owner}/{repo}/pulls/{number}/reviews": ("pull_requests", "write"),
    # slash commands and the label guard (issue 7); "fixed in" replies (bot/threads.py)
    "/repos/{owner}/{repo}/pulls/{number}": ("pull_requests", "read"),
    "/repos/{owner}/{repo}/pulls/{number}/requested_reviewers": ("pull_requests", "write"),
    "/repos/{owner}/{repo}/pulls/{number}/comments/{comment_id}/replies": ("pull_requests", "write"),
    "/repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions": ("pull_requests", "write"),
    "/repos/{owner}/{repo}/issues/{number}/comments": ("issues", "write"),
    "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": ("issues", "write"),
    "/repos/{owner}/{repo}/collaborators/{username}/permission": ("metadata", "read"),
    # repo config and the sticky summary comment (bot/summary.py)
    "/repos/{owner}/{repo}/issues/{number}/comments{?per_page}": ("issues", "read"),
    "/repos/{owner}/{repo}/issues/comments/{comment_id}": ("issues", "write"),
    # `[approve] teams` (bot/commands.py): an organization permission, granted with the installation on an org
    "/orgs/{org}/teams/{team_slug}/memberships/{username}": ("members", "read"),
}
ORGANIZATION = {"members"}
"""Organization permissions; every other scope here is a repository permission."""
APP_LEVEL = {"/app/installations/{installation_id}/access_tokens"}
"""Called with the App's JWT; needs no installation permission."""
_URL = re.compile(r"\"(/(?:repos|orgs|app|user|installation)[^\"]*)\"")
_RANK = {"read": 1, "write": 2}


def _manifest() -> dict:
    return yaml.safe_load((ROOT / "app.yml").read_text())


def _calls() -> set[str]:
    """Every GitHub URL template in bot/ (the sandbox is the stand-in, not the App)."""
    found = set()
    for path in (ROOT / "bot").glob("*.py"):
        found |= set(_URL.findall(path.read_text()))
    return found - APP_LEVEL


def test_events_are_exactly_the_routed_ones():
    routed = set(handled_events()) - ALWAYS_SENT
    assert set(_manifest()["default_events"]) == routed


def test_every_call_is_known():
    calls = _calls()
    assert calls, "no GitHub calls found in bot/: the pattern is stale"
    assert calls <= set(NEEDS), f"add these calls to NEEDS: {calls - set(NEEDS)}"


def test_permissions_are_exactly_what_the_calls_need():
    needed: dict[str, str] = {"metadata": "read"}
    for call in _calls():
        scope, level = NEEDS[call]
        if _RANK[level] > _RANK.get(needed.get(scope, ""), 0):
            needed[scope] = level
    assert _manifest()["default_permissions"] == needed


def test_organization_permissions_are_only_for_org_urls():
    for url, (scope, _) in NEEDS.items():
        assert (scope in ORGANIZATION) == url.startswith("/orgs/"), url
