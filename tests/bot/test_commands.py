"""Slash commands end to end over HTTP: the App against the stand-in, exact calls, no contract violation.

Payloads: `issue_comment.created` comes from GitHub's example and is validated against the
webhook schemas in ../shared; `issue_comment.edited` and `pull_request.labeled/unlabeled` have
no example or schema there, so they are built in the shape GitHub documents (the created /
synchronize payload plus `changes.body.from`, or plus `label`).
"""

from __future__ import annotations

from typing import Any

import checks
from bot.demo import deliver
from bot.sandbox.webhooks import issue_comment_payload, pull_request_payload
from tests.webhook_schemas import validate_payload

from .harness import BASE_RS, CARGO, OWNER, REPO, UNSAFE_RS, app, markers_of, open_pr, ops, send_pr_event, wait_idle

BASE = {"Cargo.toml": CARGO, "src/lib.rs": BASE_RS}
HEAD = {"Cargo.toml": CARGO, "src/lib.rs": UNSAFE_RS}
LABEL = "blindspot: needs review"
MORE_RS = UNSAFE_RS + b"\npub fn peek(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n"


def _findings(base: dict[str, bytes], head: dict[str, bytes]) -> list[checks.Finding]:
    return checks.analyze(base, head, [p for p in head if head[p] != base.get(p)]).findings


def _world(standin: Any, head: dict[str, bytes] = HEAD) -> int:
    standin.add_collaborator(OWNER, REPO, "maria", "write")
    standin.add_collaborator(OWNER, REPO, "rita", "read")
    return open_pr(standin, BASE, head)


async def _comment(srv: Any, standin: Any, number: int, login: str, body: str) -> tuple[dict[str, Any], Any]:
    c = standin.add_comment(OWNER, REPO, number, login, body)
    payload = issue_comment_payload(standin, OWNER, REPO, number, c, installation_id=1)
    validate_payload("issue_comment", "created", payload)
    answer = await deliver(srv.url, "issue_comment", payload)
    await wait_idle(srv)
    return c, answer


async def _edit(srv: Any, standin: Any, number: int, comment: dict[str, Any], body: str) -> Any:
    stored = standin.world.repo(OWNER, REPO).issue_comments[comment["id"]]
    old, stored["body"] = stored["body"], body
    payload = issue_comment_payload(standin, OWNER, REPO, number, {**comment, "body": body}, installation_id=1)
    payload.update(action="edited", changes={"body": {"from": old}})
    answer = await deliver(srv.url, "issue_comment", payload)
    await wait_idle(srv)
    return answer


def _reactions(standin: Any, comment: dict[str, Any]) -> list[str]:
    return [r["content"] for r in standin.world.repo(OWNER, REPO).issue_comments[comment["id"]]["__reactions"]]


def _bot_replies(standin: Any, number: int) -> list[str]:
    return [c["body"] for c in standin.issue_comments(OWNER, REPO, number) if c["user"]["login"].endswith("[bot]")]


def _check(standin: Any) -> dict[str, Any]:
    runs = standin.check_runs(OWNER, REPO)
    return runs[-1]


async def _opened(srv: Any, standin: Any, number: int) -> None:
    await send_pr_event(srv, standin, number)
    await wait_idle(srv)
    assert _check(standin)["conclusion"] == "action_required"
    assert standin.issue_labels(OWNER, REPO, number) == [LABEL]


async def test_approve_by_a_writer_turns_the_check_green_removes_the_label_and_audits(standin, tmp_path):
    number = _world(standin)
    async with app(standin, tmp_path) as srv:
        await _opened(srv, standin, number)
        before = len(standin.calls)
        body = "Read it.\n/blindspot approve all -- bounds checked"
        c, (status, _) = await _comment(srv, standin, number, "maria", body)
    assert status == 202
    run = _check(standin)
    assert run["conclusion"] == "success" and len(standin.check_runs(OWNER, REPO)) == 1
    assert standin.issue_labels(OWNER, REPO, number) == []
    [f] = [f for f in _findings(BASE, HEAD) if f.severity.rank >= 1]
    summary = run["output"]["summary"]
    assert f"@maria approved `{f.short_id}` at `{run['head_sha'][:7]}`" in summary and ": bounds checked" in summary
    assert _reactions(standin, c) == ["eyes", "+1"]
    assert _bot_replies(standin, number) == []
    new = [call.operation_id for call in standin.calls[before:]]
    assert new.count("repos/get-collaborator-permission-level") == 1
    assert new.count("issues/remove-label") == 1 and new.count("pulls/create-review") == 0
    assert new.count("checks/create") == 0 and new.count("checks/update") == 1


async def test_approve_by_a_reader_is_refused_with_the_reason_and_changes_nothing(standin, tmp_path):
    number = _world(standin)
    async with app(standin, tmp_path) as srv:
        await _opened(srv, standin, number)
        before = len(standin.calls)
        c, _ = await _comment(srv, standin, number, "rita", "/blindspot approve all")
    assert _reactions(standin, c) == ["eyes", "confused"]
    [reply] = _bot_replies(standin, number)
    assert reply.startswith("@rita `approve` needs write permission; @rita has read")
    assert _check(standin)["conclusion"] == "action_required"
    assert standin.issue_labels(OWNER, REPO, number) == [LABEL]
    new = [call.operation_id for call in standin.calls[before:]]
    assert "checks/update" not in new and "issues/remove-label" not in new and "pulls/list-files" not in new


async def test_new_unsafe_after_approval_brings_the_label_back_and_comments_only_the_new_finding(standin, tmp_path):
    number = _world(standin)
    async with app(standin, tmp_path) as srv:
        await _opened(srv, standin, number)
        await _comment(srv, standin, number, "maria", "/blindspot approve all -- ok")
        assert standin.issue_labels(OWNER, REPO, number) == []
        first = markers_of(standin.review_comments(OWNER, REPO, number))
        standin.push(OWNER, REPO, number, {"src/lib.rs": b"// moved down\n" + MORE_RS})
        await send_pr_event(srv, standin, number, action="synchronize")
        await wait_idle(srv)
    assert standin.issue_labels(OWNER, REPO, number) == [LABEL]
    run = _check(standin)
    assert run["conclusion"] == "action_required"
    assert run["output"]["title"].startswith("1 finding(s) need review (1 approved)")
    now = markers_of(standin.review_comments(OWNER, REPO, number))
    new_fp = {f.fingerprint for f in _findings(BASE, {**HEAD, "src/lib.rs": MORE_RS})} - first
    assert len(new_fp) == 1 and now == first | new_fp  # the shifted, approved finding was not re-posted


async def test_commands_in_quotes_or_code_are_ignored(standin, tmp_path):
    number = _world(standin)
    body = "> /blindspot approve all\n\n```\n/blindspot approve all\n```\nsee `/blindspot approve all`"
    async with app(standin, tmp_path) as srv:
        await _opened(srv, standin, number)
        before = len(standin.calls)
        c, (status, answer) = await _comment(srv, standin, number, "maria", body)
    assert (status, answer["jobs"]) == (202, [])
    assert standin.calls[before:] == [] and _reactions(standin, c) == []
    assert standin.issue_labels(OWNER, REPO, number) == [LABEL]


async def test_an_edit_adding_a_command_runs_it_once_and_a_later_edit_does_not_rerun_it(standin, tmp_path):
    number = _world(standin)
    async with app(standin, tmp_path) as srv:
        await _opened(srv, standin, number)
        c, _ = await _comment(srv, standin, number, "maria", "Looking at it.")
        assert _reactions(standin, c) == []
        await _edit(srv, standin, number, c, "Looking at it.\n/blindspot approve all -- fine")
        assert standin.issue_labels(OWNER, REPO, number) == []
        _, answer = await _edit(srv, standin, number, c, "Looked at it.\n/blindspot approve all -- fine")
    assert answer["jobs"] == []
    assert _reactions(standin, c) == ["eyes", "+1"]
    assert len(ops(standin, "repos/get-collaborator-permission-level")) == 1
    assert _check(standin)["output"]["summary"].count("@maria approved") == 1


async def test_the_bots_own_comment_with_a_command_is_ignored(standin, tmp_path):
    number = _world(standin)
    async with app(standin, tmp_path) as srv:
        await _opened(srv, standin, number)
        before = len(standin.calls)
        _, (status, answer) = await _comment(srv, standin, number, "blindspot[bot]", "/blindspot approve all")
    assert (status, answer["jobs"]) == (202, [])
    assert standin.calls[before:] == []
    assert standin.issue_labels(OWNER, REPO, number) == [LABEL]


async def _label_event(srv: Any, standin: Any, number: int, action: str, login: str) -> None:
    payload = pull_request_payload(standin, OWNER, REPO, number, action="synchronize", installation_id=1, sender=login)
    payload.pop("before"), payload.pop("after")
    payload.update(action=action, label=standin.repo_labels(OWNER, REPO)[LABEL])
    await deliver(srv.url, "pull_request", payload)
    await wait_idle(srv)


async def test_the_review_label_removed_by_a_person_is_restored_with_a_comment(standin, tmp_path):
    number = _world(standin)
    async with app(standin, tmp_path) as srv:
        await _opened(srv, standin, number)
        standin.world.pull(OWNER, REPO, number).labels.remove(LABEL)
        await _label_event(srv, standin, number, "unlabeled", "maria")
        assert standin.issue_labels(OWNER, REPO, number) == [LABEL]
        [note] = _bot_replies(standin, number)
        assert note.startswith(f"@maria the `{LABEL}` label is managed by Blindspot, so it was put back")
        assert "/blindspot approve all -- <reason>" in note
        before = len(standin.calls)
        await _label_event(srv, standin, number, "labeled", "blindspot[bot]")  # our own change: nothing to do
    assert standin.calls[before:] == []
    assert len(ops(standin, "issues/add-labels")) == 2


async def test_a_suppression_added_in_the_pr_needs_approval(standin, tmp_path):
    suppressed = BASE_RS + (b"\npub fn get_fast(v: &[u8], i: usize) -> u8 {\n"
                            b"    // blindspot: allow(unsafe/undocumented-block) reason: caller checks i\n"
                            b"    unsafe { *v.get_unchecked(i) }\n}\n")
    head = {**HEAD, "src/lib.rs": suppressed}
    [f] = [f for f in _findings(BASE, head) if f.severity.rank >= 1]
    assert f.rule == "blindspot/new-suppression"
    number = _world(standin, head)
    async with app(standin, tmp_path) as srv:
        await _opened(srv, standin, number)
        c, _ = await _comment(srv, standin, number, "octo", f"/blindspot approve {f.short_id} -- caller checks i")
    assert _reactions(standin, c) == ["eyes", "+1"]
    assert _check(standin)["conclusion"] == "success"
    assert standin.issue_labels(OWNER, REPO, number) == []


async def test_approve_an_unknown_id_is_refused_and_explain_help_answer(standin, tmp_path):
    number = _world(standin)
    [f] = [f for f in _findings(BASE, HEAD) if f.severity.rank >= 1]
    async with app(standin, tmp_path) as srv:
        await _opened(srv, standin, number)
        c, _ = await _comment(srv, standin, number, "maria", "/blindspot approve BS-0000000")
        assert _reactions(standin, c) == ["eyes", "confused"]
        await _comment(srv, standin, number, "rita", f"/blindspot explain {f.short_id}\n/blindspot help")
    refused, explained, helped = _bot_replies(standin, number)
    assert refused.startswith("@maria no finding `BS-0000000` at `")
    assert explained.startswith(f"**`{f.short_id}`: {f.rule}**") and "How to suppress" in explained
    assert "`/blindspot approve all [-- reason]` | write permission or more" in helped and "label" in helped
    assert _check(standin)["conclusion"] == "action_required"


async def test_rereview_by_the_author_reruns_and_rerequests_earlier_reviewers(standin, tmp_path):
    number = _world(standin)
    async with app(standin, tmp_path) as srv:
        await _opened(srv, standin, number)
        await _comment(srv, standin, number, "maria", "/blindspot approve all -- ok")
        approved_sha = _check(standin)["head_sha"]
        standin.push(OWNER, REPO, number, {"src/lib.rs": MORE_RS})
        await _comment(srv, standin, number, "alice", "/blindspot rereview")
        head_sha = pull_request_payload(standin, OWNER, REPO, number)["pull_request"]["head"]["sha"]
        await _comment(srv, standin, number, "rita", "/blindspot rereview")
    [call] = ops(standin, "pulls/request-reviewers")
    assert call.request_json == {"reviewers": ["maria"]}
    done, refused = _bot_replies(standin, number)
    assert done.startswith(f"Re-ran Blindspot on `{head_sha[:7]}` and re-requested review from @maria.")
    assert f"/{OWNER}/{REPO}/compare/{approved_sha}...{head_sha}" in done
    assert refused.startswith("@rita `rereview` is for the PR author or someone with write permission; @rita has read")
    assert [r["head_sha"] for r in standin.check_runs(OWNER, REPO)] == [approved_sha, head_sha]
    assert standin.check_runs(OWNER, REPO)[-1]["conclusion"] == "action_required"


def _pr_event(standin: Any, number: int, login: str, action: str, **extra: Any) -> dict[str, Any]:
    """A pull_request_review(_comment) payload: GitHub's documented shape, built on the PR payload
    (../shared has no example or schema for these two events)."""
    payload = pull_request_payload(standin, OWNER, REPO, number, action="synchronize", installation_id=1, sender=login)
    payload.pop("before"), payload.pop("after")
    payload.update(action=action, **extra)
    return payload


async def test_a_command_in_a_review_body_runs_and_one_in_a_review_comment_is_answered_in_its_thread(
        standin, tmp_path):
    number = _world(standin)
    async with app(standin, tmp_path) as srv:
        await _opened(srv, standin, number)
        [ours] = standin.review_comments(OWNER, REPO, number)
        stored = standin.world.repo(OWNER, REPO).review_comments
        human = {**stored[ours["id"]], "id": 990001, "node_id": "PRRC_990001", "in_reply_to_id": ours["id"],
                 "body": "/blindspot approve all",
                 "user": {**ours["user"], "login": "rita", "type": "User", "id": 4242}}
        stored[990001] = human
        comment = {k: v for k, v in human.items() if not k.startswith("_") or k == "_links"}
        await deliver(srv.url, "pull_request_review_comment", _pr_event(standin, number, "rita", "created",
                                                                         comment=comment))
        await wait_idle(srv)
        assert [r["content"] for r in stored[990001]["__reactions"]] == ["eyes", "confused"]
        [answer] = ops(standin, "pulls/create-reply-for-review-comment")
        assert answer.request_json["body"].startswith("@rita `approve` needs write permission; @rita has read")
        review = {"id": 990002, "node_id": "PRR_990002", "user": {**human["user"], "login": "maria", "id": 4243},
                  "body": "Looks right.\n/blindspot approve all -- checked", "state": "commented",
                  "commit_id": _check(standin)["head_sha"], "submitted_at": "2026-01-01T00:00:00Z",
                  "author_association": "COLLABORATOR", "html_url": "https://github.com/octo/widgets/pull/1",
                  "pull_request_url": "https://api.github.com/repos/octo/widgets/pulls/1",
                  "_links": {"html": {"href": "h"}, "pull_request": {"href": "p"}}}
        await deliver(srv.url, "pull_request_review", _pr_event(standin, number, "maria", "submitted", review=review))
        await wait_idle(srv)
    assert _check(standin)["conclusion"] == "success"
    assert standin.issue_labels(OWNER, REPO, number) == []
    assert "@maria approved" in _check(standin)["output"]["summary"]
    assert not ops(standin, "reactions/create-for-issue-comment")  # review bodies have no reactions API


async def test_the_review_label_added_by_a_person_after_approval_is_removed_again(standin, tmp_path):
    number = _world(standin)
    async with app(standin, tmp_path) as srv:
        await _opened(srv, standin, number)
        await _comment(srv, standin, number, "maria", "/blindspot approve all -- ok")
        assert standin.issue_labels(OWNER, REPO, number) == []
        standin.world.pull(OWNER, REPO, number).labels.append(LABEL)
        await _label_event(srv, standin, number, "labeled", "rita")
    assert standin.issue_labels(OWNER, REPO, number) == []
    [note] = _bot_replies(standin, number)
    assert note.startswith(f"@rita the `{LABEL}` label is managed by Blindspot, so it was removed again")
    assert [c.status for c in ops(standin, "issues/remove-label")] == [200, 200]
    assert _check(standin)["conclusion"] == "success"


async def test_approve_all_never_covers_a_finding_pushed_after_the_comment_was_written(standin, tmp_path):
    number = _world(standin)
    async with app(standin, tmp_path) as srv:
        await _opened(srv, standin, number)
        standin.push(OWNER, REPO, number, {"src/lib.rs": MORE_RS})  # its webhook has not arrived yet
        c, _ = await _comment(srv, standin, number, "maria", "/blindspot approve all -- seen")
    shown = {f.fingerprint for f in _findings(BASE, HEAD)}
    [late] = [f for f in _findings(BASE, {**HEAD, "src/lib.rs": MORE_RS}) if f.fingerprint not in shown]
    assert _reactions(standin, c) == ["eyes", "+1"]
    [reply] = _bot_replies(standin, number)
    assert reply.startswith(f"Approved 1 finding(s). Not approved: `{late.short_id}`, new at")
    assert _check(standin)["conclusion"] == "action_required"
    assert standin.issue_labels(OWNER, REPO, number) == [LABEL]
    assert late.fingerprint in markers_of(standin.review_comments(OWNER, REPO, number))


TEAMS_TOML = b'[approve]\nteams = ["rust-reviewers", "octo/unsafe-owners"]\n'


def _team_world(standin: Any) -> int:
    """Rita (read) is in octo/rust-reviewers; Paul (read) has only a pending invitation; Nina (read) is in no team."""
    standin.add_collaborator(OWNER, REPO, "rita", "read")
    standin.add_collaborator(OWNER, REPO, "paul", "read")
    standin.add_collaborator(OWNER, REPO, "nina", "read")
    standin.add_team_member(OWNER, "rust-reviewers", "rita")
    standin.add_team_member(OWNER, "unsafe-owners", "paul", state="pending")
    config = {".github/blindspot.toml": TEAMS_TOML}
    return open_pr(standin, {**BASE, **config}, {**HEAD, **config})


async def test_approve_by_a_reader_in_a_configured_team_turns_the_check_green(standin, tmp_path):
    number = _team_world(standin)
    async with app(standin, tmp_path) as srv:
        await _opened(srv, standin, number)
        before = len(standin.calls)
        c, _ = await _comment(srv, standin, number, "rita", "/blindspot approve all -- reviewed by the team")
        assert _reactions(standin, c) == ["eyes", "+1"]
        assert _check(standin)["conclusion"] == "success"
        assert standin.issue_labels(OWNER, REPO, number) == []
        assert "@rita approved" in _check(standin)["output"]["summary"]
        [team_call] = [call for call in standin.calls[before:]
                       if call.operation_id == "teams/get-membership-for-user-in-org"]
        assert team_call.path == f"/orgs/{OWNER}/teams/rust-reviewers/memberships/rita"
        assert team_call.status == 200 and team_call.response_json["state"] == "active"
        again = len(standin.calls)
        await _comment(srv, standin, number, "rita", "/blindspot approve all")  # cached: no second lookup
        assert "teams/get-membership-for-user-in-org" not in [call.operation_id for call in standin.calls[again:]]
    assert standin.violations == []


async def test_approve_by_a_reader_outside_the_teams_or_only_invited_is_refused_naming_them(standin, tmp_path):
    number = _team_world(standin)
    async with app(standin, tmp_path) as srv:
        await _opened(srv, standin, number)
        before = len(standin.calls)
        c, _ = await _comment(srv, standin, number, "nina", "/blindspot approve all")
        await _comment(srv, standin, number, "paul", "/blindspot approve all")
        await _comment(srv, standin, number, "nina", "/blindspot rereview")
    assert _reactions(standin, c) == ["eyes", "confused"]
    need = "write permission or membership in octo/rust-reviewers or octo/unsafe-owners"
    assert [r.split("\n")[0] for r in _bot_replies(standin, number)] == [
        f"@nina `approve` needs {need}; @nina has read",
        f"@paul `approve` needs {need}; @paul has read",
        f"@nina `rereview` is for the PR author or someone with {need}; @nina has read"]
    assert _check(standin)["conclusion"] == "action_required"
    assert standin.issue_labels(OWNER, REPO, number) == [LABEL]
    lookups = [(c.path.rsplit("/", 4)[-4:], c.status) for c in standin.calls[before:]
               if c.operation_id == "teams/get-membership-for-user-in-org"]
    assert lookups == [(["teams", "rust-reviewers", "memberships", "nina"], 404),
                       (["teams", "unsafe-owners", "memberships", "nina"], 404),
                       (["teams", "rust-reviewers", "memberships", "paul"], 404),
                       (["teams", "unsafe-owners", "memberships", "paul"], 200)]
    assert standin.violations == []


async def test_a_team_of_an_org_the_app_is_not_installed_on_does_not_count(standin, tmp_path):
    standin.add_collaborator(OWNER, REPO, "rita", "read")
    standin.add_team_member("other-org", "rust-reviewers", "rita")
    config = {".github/blindspot.toml": b'[approve]\nteams = ["other-org/rust-reviewers"]\n'}
    number = open_pr(standin, {**BASE, **config}, {**HEAD, **config})
    async with app(standin, tmp_path) as srv:
        await _opened(srv, standin, number)
        await _comment(srv, standin, number, "rita", "/blindspot approve all")
    [reply] = _bot_replies(standin, number)
    assert reply.startswith("@rita `approve` needs write permission or membership in other-org/rust-reviewers; "
                            "@rita has read")
    assert [c.status for c in standin.calls if c.operation_id == "teams/get-membership-for-user-in-org"] == [404]
    assert standin.issue_labels(OWNER, REPO, number) == [LABEL]
