"""The GitHub stand-in over real HTTP: auth, pagination, contents, reviews, labels, faults and contract checks."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.sandbox import GitHubStandIn
from bot.sandbox.auth import generate_key_pair, make_app_jwt
from bot.sandbox.webhooks import build_delivery, check_run_payload, issue_comment_payload, pull_request_payload
from tests.webhook_schemas import validate_payload

BASE_LIB = b"pub fn a() {}\n\npub fn b() -> u8 {\n    1\n}\n"
HEAD_LIB = b"pub fn a() {}\n\npub unsafe fn b() -> u8 {\n    *std::ptr::null()\n}\n\npub fn c() {}\n"


class GitHub:
    """A tiny client for the tests: an installation token and JSON calls."""

    def __init__(self, standin: GitHubStandIn, session: aiohttp.ClientSession) -> None:
        self.standin = standin
        self.session = session
        self.token = ""

    async def login(self) -> None:
        jwt = make_app_jwt(1, self.standin.private_key_pem or "")
        async with self.session.post(
            f"{self.standin.url}/app/installations/1/access_tokens", headers={"Authorization": f"Bearer {jwt}"}
        ) as response:
            assert response.status == 201
            self.token = (await response.json())["token"]

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any, aiohttp.typedefs.LooseHeaders]:
        headers = {"Authorization": f"token {self.token}", **kwargs.pop("headers", {})}
        async with self.session.request(method, self.standin.url + path, headers=headers, **kwargs) as response:
            body = await response.json() if response.content_type.endswith("json") else await response.text()
            return response.status, body, response.headers


def links(headers: Any) -> dict[str, str]:
    """rel -> URL from a Link header."""
    out = {}
    for part in headers.get("Link", "").split(","):
        if part.strip():
            url, rel = part.split(";")
            out[rel.strip().removeprefix('rel="').rstrip('"')] = url.strip().strip("<>")
    return out


@pytest.fixture
async def gh(standin: GitHubStandIn) -> AsyncIterator[GitHub]:
    standin.commit("octo", "widgets", "main", {"src/lib.rs": BASE_LIB, "README.md": b"# widgets\n"})
    standin.commit("octo", "widgets", "feature", {"src/lib.rs": HEAD_LIB, "README.md": b"# widgets\n"})
    standin.open_pull_request("octo", "widgets", number=7, title="Make b unsafe")
    async with aiohttp.ClientSession() as session:
        client = GitHub(standin, session)
        await client.login()
        yield client


async def test_token_is_issued_for_a_valid_app_jwt(gh: GitHub) -> None:
    assert gh.token.startswith("ghs_")
    status, body, headers = await gh.call("GET", "/repos/octo/widgets/pulls/7")
    assert status == 200
    assert body["head"]["sha"] == gh.standin.world.repo("octo", "widgets").branches["feature"]
    assert headers["x-ratelimit-limit"] == "5000"
    assert int(headers["x-ratelimit-remaining"]) < 5000
    assert headers["x-ratelimit-resource"] == "core"


async def test_jwt_signed_with_another_key_is_refused(standin: GitHubStandIn) -> None:
    other_private, _ = generate_key_pair()
    async with aiohttp.ClientSession() as session:
        for header in (f"Bearer {make_app_jwt(1, other_private)}", "Bearer not-a-jwt", ""):
            url = f"{standin.url}/app/installations/1/access_tokens"
            async with session.post(url, headers={"Authorization": header} if header else {}) as response:
                assert response.status == 401
                assert "message" in await response.json()


async def test_unknown_or_missing_token_is_refused(gh: GitHub) -> None:
    gh.token = "ghs_made_up"
    status, body, _ = await gh.call("GET", "/repos/octo/widgets/pulls/7")
    assert (status, body["message"]) == (401, "Bad credentials")


async def test_list_files_has_patches_and_link_pagination(gh: GitHub) -> None:
    files = {f"src/m{i:02}.rs": f"pub fn f{i}() {{}}\n".encode() for i in range(5)}
    gh.standin.push("octo", "widgets", 7, files)
    status, page1, headers = await gh.call("GET", "/repos/octo/widgets/pulls/7/files", params={"per_page": "2"})
    assert status == 200
    assert [f["filename"] for f in page1] == ["src/lib.rs", "src/m00.rs"]
    assert 'rel="next"' in headers["Link"] and "page=2" in headers["Link"] and 'rel="last"' in headers["Link"]
    lib = page1[0]
    assert lib["status"] == "modified"
    assert lib["patch"].startswith("@@ -1,5 +1,7 @@")
    assert "+pub unsafe fn b() -> u8 {" in lib["patch"]
    names = [f["filename"] for f in page1]
    while "next" in links(headers):
        status, page, headers = await gh.call("GET", links(headers)["next"].removeprefix(gh.standin.url))
        names += [f["filename"] for f in page]
    assert set(links(headers)) == {"prev", "first"}
    assert names == ["src/lib.rs", *sorted(files)]


async def test_rename_reports_previous_filename(gh: GitHub) -> None:
    gh.standin.push("octo", "widgets", 7, {"docs/README.md": b"# widgets\n"}, delete=["README.md"])
    _, files, _ = await gh.call("GET", "/repos/octo/widgets/pulls/7/files")
    renamed = [f for f in files if f["status"] == "renamed"]
    assert [(f["filename"], f["previous_filename"]) for f in renamed] == [("docs/README.md", "README.md")]


async def test_contents_by_ref_and_404(gh: GitHub) -> None:
    status, body, _ = await gh.call("GET", "/repos/octo/widgets/contents/src/lib.rs", params={"ref": "feature"})
    assert status == 200
    assert base64.b64decode(body["content"]) == HEAD_LIB
    _, body, _ = await gh.call("GET", "/repos/octo/widgets/contents/src/lib.rs", params={"ref": "main"})
    assert base64.b64decode(body["content"]) == BASE_LIB
    status, body, _ = await gh.call("GET", "/repos/octo/widgets/contents/src/missing.rs", params={"ref": "main"})
    assert (status, body["message"]) == (404, "Not Found")
    status, _, _ = await gh.call("GET", "/repos/octo/widgets/contents/src/lib.rs", params={"ref": "no-such-branch"})
    assert status == 404


async def test_review_with_a_line_outside_the_diff_is_rejected_whole(gh: GitHub) -> None:
    comments = [
        {"path": "src/lib.rs", "line": 3, "side": "RIGHT", "body": "unsafe fn without a SAFETY section"},
        {"path": "src/lib.rs", "line": 1, "side": "RIGHT", "body": "line 1 is context far from any hunk?"},
        {"path": "README.md", "line": 1, "body": "not in the diff at all"},
    ]
    status, body, _ = await gh.call("POST", "/repos/octo/widgets/pulls/7/reviews",
                                    json={"event": "COMMENT", "comments": comments})
    assert status == 422
    assert body["message"] == "Unprocessable Entity"
    assert gh.standin.reviews("octo", "widgets", 7) == []
    assert gh.standin.review_comments("octo", "widgets", 7) == []


async def test_review_inside_the_diff_is_stored(gh: GitHub) -> None:
    comments = [{"path": "src/lib.rs", "start_line": 3, "line": 4, "body": "needs a SAFETY comment"}]
    status, review, _ = await gh.call("POST", "/repos/octo/widgets/pulls/7/reviews",
                                      json={"event": "COMMENT", "body": "Blindspot", "comments": comments})
    assert status == 200 and review["state"] == "COMMENTED"
    [stored] = gh.standin.review_comments("octo", "widgets", 7)
    assert (stored["line"], stored["start_line"], stored["side"]) == (4, 3, "RIGHT")
    assert stored["diff_hunk"].startswith("@@ -1,5 +1,7 @@")
    _, listed, _ = await gh.call("GET", "/repos/octo/widgets/pulls/7/comments")
    assert [c["id"] for c in listed] == [stored["id"]]


async def test_line_outside_the_diff_message(gh: GitHub) -> None:
    gh.standin.push("octo", "widgets", 7, {"src/big.rs": b"".join(b"// %d\n" % i for i in range(40))})
    gh.standin.commit("octo", "widgets", "main", {
        "src/lib.rs": BASE_LIB, "README.md": b"# widgets\n", "src/big.rs": b"".join(b"// %d\n" % i for i in range(40)),
    })
    gh.standin.push("octo", "widgets", 7, {"src/big.rs": b"".join(b"// %d\n" % i for i in range(39)) + b"// changed\n"})
    comments = [{"path": "src/big.rs", "line": 5, "body": "far from the only hunk"}]
    status, body, _ = await gh.call("POST", "/repos/octo/widgets/pulls/7/reviews",
                                    json={"event": "COMMENT", "comments": comments})
    assert status == 422
    assert body["errors"] == ["Pull request review thread line must be part of the diff"]


async def test_check_run_create_and_complete(gh: GitHub) -> None:
    head = gh.standin.world.repo("octo", "widgets").branches["feature"]
    status, run, _ = await gh.call("POST", "/repos/octo/widgets/check-runs",
                                   json={"name": "blindspot", "head_sha": head, "status": "in_progress"})
    assert status == 201 and run["pull_requests"][0]["number"] == 7
    annotation = {"path": "src/lib.rs", "start_line": 3, "end_line": 3, "annotation_level": "warning", "message": "m"}
    status, run, _ = await gh.call("PATCH", f"/repos/octo/widgets/check-runs/{run['id']}", json={
        "conclusion": "action_required", "output": {"title": "1 finding", "summary": "s", "annotations": [annotation]},
    })
    assert status == 200
    [stored] = gh.standin.check_runs("octo", "widgets")
    assert (stored["status"], stored["conclusion"], stored["output"]["annotations_count"]) == (
        "completed", "action_required", 1)
    assert gh.standin.check_run_annotations("octo", "widgets", run["id"]) == [annotation]
    too_many = {"title": "t", "summary": "s", "annotations": [annotation] * 51}
    status, _, _ = await gh.call("PATCH", f"/repos/octo/widgets/check-runs/{run['id']}", json={"output": too_many})
    assert status == 400  # the description itself says maxItems 50: a contract violation
    assert "maxItems" in gh.standin.violations[0] or "too long" in gh.standin.violations[0]
    gh.standin.violations.clear()


async def test_labels_are_created_on_first_use_and_removal_404s(gh: GitHub) -> None:
    status, labels, _ = await gh.call("POST", "/repos/octo/widgets/issues/7/labels", json={"labels": ["needs-review"]})
    assert status == 200 and [lb["name"] for lb in labels] == ["needs-review"]
    assert "needs-review" in gh.standin.repo_labels("octo", "widgets")
    status, _, _ = await gh.call("POST", "/repos/octo/widgets/issues/7/labels", json=["other"])
    assert gh.standin.issue_labels("octo", "widgets", 7) == ["needs-review", "other"]
    status, _, _ = await gh.call("DELETE", "/repos/octo/widgets/issues/7/labels/needs-review")
    assert status == 200
    status, body, _ = await gh.call("DELETE", "/repos/octo/widgets/issues/7/labels/needs-review")
    assert (status, body["message"]) == (404, "Label does not exist")


async def test_label_create_and_get(gh: GitHub) -> None:
    status, _, _ = await gh.call("GET", "/repos/octo/widgets/labels/blindspot")
    assert status == 404
    status, label, _ = await gh.call("POST", "/repos/octo/widgets/labels",
                                     json={"name": "blindspot", "color": "d93f0b", "description": "risky"})
    assert (status, label["name"]) == (201, "blindspot")
    status, got, _ = await gh.call("GET", "/repos/octo/widgets/labels/blindspot")
    assert (status, got["color"], got["description"]) == (200, "d93f0b", "risky")


async def test_calls_are_recorded_with_operation_ids(gh: GitHub) -> None:
    await gh.call("GET", "/repos/octo/widgets/pulls/7/files")
    ops = [c.operation_id for c in gh.standin.calls]
    assert ops == ["apps/create-installation-access-token", "pulls/list-files"]
    assert gh.standin.calls[-1].status == 200


async def test_fail_next_500_then_recovers(gh: GitHub) -> None:
    gh.standin.fail_next("pulls/get", 502, times=2)
    assert (await gh.call("GET", "/repos/octo/widgets/pulls/7"))[0] == 502
    assert (await gh.call("GET", "/repos/octo/widgets/pulls/7"))[0] == 502
    assert (await gh.call("GET", "/repos/octo/widgets/pulls/7"))[0] == 200


async def test_fail_next_secondary_rate_limit(gh: GitHub) -> None:
    gh.standin.fail_next("pulls/create-review", 403, headers={"retry-after": "1"},
                         body={"message": "You have exceeded a secondary rate limit"})
    status, body, headers = await gh.call("POST", "/repos/octo/widgets/pulls/7/reviews", json={"event": "COMMENT",
                                                                                              "body": "x"})
    assert (status, headers["retry-after"]) == (403, "1")
    assert "secondary rate limit" in body["message"]
    assert gh.standin.reviews("octo", "widgets", 7) == []


async def test_delay_next_triggers_client_timeout(gh: GitHub) -> None:
    gh.standin.delay_next("pulls/get", 1.0)
    with pytest.raises(asyncio.TimeoutError):
        await gh.call("GET", "/repos/octo/widgets/pulls/7", timeout=aiohttp.ClientTimeout(total=0.2))
    assert (await gh.call("GET", "/repos/octo/widgets/pulls/7"))[0] == 200


async def test_wrong_conclusion_is_a_violation(gh: GitHub) -> None:
    head = gh.standin.world.repo("octo", "widgets").branches["feature"]
    status, body, _ = await gh.call("POST", "/repos/octo/widgets/check-runs", json={
        "name": "blindspot", "head_sha": head, "status": "completed", "conclusion": "green"})
    assert status == 400
    assert "green" in body["message"]
    assert len(gh.standin.violations) == 1 and "checks/create" in gh.standin.violations[0]
    gh.standin.violations.clear()  # the violation was the point of this test


async def test_review_comment_with_wrong_field_type_is_a_violation(gh: GitHub) -> None:
    comments = [{"path": "src/lib.rs", "line": "3", "body": "x"}]
    status, _, _ = await gh.call("POST", "/repos/octo/widgets/pulls/7/reviews", json={"event": "COMMENT",
                                                                                      "comments": comments})
    assert status == 400
    assert any("comments/0/line" in v for v in gh.standin.violations)
    gh.standin.violations.clear()


async def test_calling_an_operation_outside_the_description_is_a_violation(gh: GitHub) -> None:
    status, _, _ = await gh.call("POST", "/repos/octo/widgets/merges", json={"base": "main", "head": "feature"})
    assert status == 404
    assert gh.standin.violations == ["no operation in the description for POST /repos/octo/widgets/merges"]
    gh.standin.violations.clear()


@pytest.mark.parametrize("action", ["opened", "synchronize", "reopened", "ready_for_review"])
async def test_pull_request_payloads_pass_the_webhook_schemas(gh: GitHub, action: str) -> None:
    gh.standin.push("octo", "widgets", 7, {"src/extra.rs": b"pub fn e() {}\n"})
    payload = pull_request_payload(gh.standin, "octo", "widgets", 7, action, installation_id=1)
    validate_payload("pull_request", action, payload)
    pr = payload["pull_request"]
    repo = gh.standin.world.repo("octo", "widgets")
    assert (payload["number"], pr["head"]["sha"], pr["base"]["ref"]) == (7, repo.branches["feature"], "main")
    assert payload["repository"]["full_name"] == "octo/widgets" and payload["installation"]["id"] == 1
    if action == "synchronize":
        assert payload["after"] == repo.branches["feature"] != payload["before"]


async def test_issue_comment_payload_passes_the_webhook_schemas(gh: GitHub) -> None:
    comment = gh.standin.add_comment("octo", "widgets", 7, "bob", "/blindspot approve all")
    payload = issue_comment_payload(gh.standin, "octo", "widgets", 7, comment)
    validate_payload("issue_comment", "created", payload)
    assert payload["comment"]["body"] == "/blindspot approve all"
    assert payload["issue"]["pull_request"]["url"].endswith("/repos/octo/widgets/pulls/7")
    assert payload["sender"]["login"] == "bob"


def test_schema_check_catches_a_broken_payload() -> None:
    payload = issue_comment_payload_shape()
    del payload["comment"]["id"]
    with pytest.raises(AssertionError, match="comment"):
        validate_payload("issue_comment", "created", payload)


def issue_comment_payload_shape() -> dict[str, Any]:
    from bot.sandbox.webhooks import template

    return template("issue_comment", "created")


def test_delivery_is_signed_like_github() -> None:
    body, headers = build_delivery("ping", {"zen": "Keep it logically awesome."}, "s3cret", delivery_id="d-1")
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature-256"] == f"sha256={expected}"
    assert (headers["X-GitHub-Event"], headers["X-GitHub-Delivery"]) == ("ping", "d-1")
    assert headers["User-Agent"].startswith("GitHub-Hookshot/")


async def test_review_comment_lifecycle(gh: GitHub) -> None:
    comments = [{"path": "src/lib.rs", "line": 3, "body": "first"}]
    await gh.call("POST", "/repos/octo/widgets/pulls/7/reviews", json={"event": "COMMENT", "comments": comments})
    [comment] = gh.standin.review_comments("octo", "widgets", 7)
    path = f"/repos/octo/widgets/pulls/comments/{comment['id']}"
    status, edited, _ = await gh.call("PATCH", path, json={"body": "edited"})
    assert (status, edited["body"]) == (200, "edited")
    status, reply, _ = await gh.call("POST", f"/repos/octo/widgets/pulls/7/comments/{comment['id']}/replies",
                                     json={"body": "fixed in abc"})
    assert (status, reply["in_reply_to_id"], reply["line"]) == (201, comment["id"], 3)
    status, _, _ = await gh.call("POST", f"/repos/octo/widgets/pulls/7/comments/{reply['id']}/replies",
                                 json={"body": "nested"})
    assert status == 422
    status, reaction, _ = await gh.call("POST", f"{path}/reactions", json={"content": "rocket"})
    assert (status, reaction["content"]) == (201, "rocket")
    status, _, _ = await gh.call("DELETE", path)
    assert status == 204
    assert [c["id"] for c in gh.standin.review_comments("octo", "widgets", 7)] == [reply["id"]]
    assert (await gh.call("DELETE", path))[0] == 404
    _, reviews, _ = await gh.call("GET", "/repos/octo/widgets/pulls/7/reviews")
    assert [r["state"] for r in reviews] == ["COMMENTED", "COMMENTED"]


async def test_issue_comments_and_reactions(gh: GitHub) -> None:
    command = gh.standin.add_comment("octo", "widgets", 7, "bob", "/blindspot help")
    status, mine, _ = await gh.call("POST", "/repos/octo/widgets/issues/7/comments", json={"body": "summary"})
    assert status == 201 and mine["user"]["login"] == "blindspot[bot]" and mine["user"]["type"] == "Bot"
    status, updated, _ = await gh.call("PATCH", f"/repos/octo/widgets/issues/comments/{mine['id']}",
                                       json={"body": "summary v2"})
    assert (status, updated["body"]) == (200, "summary v2")
    _, got, _ = await gh.call("GET", f"/repos/octo/widgets/issues/comments/{command['id']}")
    assert got["body"] == "/blindspot help"
    _, listed, _ = await gh.call("GET", "/repos/octo/widgets/issues/7/comments")
    assert [c["body"] for c in listed] == ["/blindspot help", "summary v2"]
    reaction_path = f"/repos/octo/widgets/issues/comments/{command['id']}/reactions"
    assert (await gh.call("POST", reaction_path, json={"content": "+1"}))[0] == 201
    assert (await gh.call("POST", reaction_path, json={"content": "+1"}))[0] == 200  # already reacted
    assert (await gh.call("GET", "/repos/octo/widgets/issues/comments/999999"))[0] == 404


async def test_collaborator_permission(gh: GitHub) -> None:
    gh.standin.add_collaborator("octo", "widgets", "carol", "maintain")
    _, body, _ = await gh.call("GET", "/repos/octo/widgets/collaborators/carol/permission")
    assert (body["permission"], body["role_name"]) == ("write", "maintain")
    _, body, _ = await gh.call("GET", "/repos/octo/widgets/collaborators/mallory/permission")
    assert body["permission"] == "none"
    _, body, _ = await gh.call("GET", "/repos/octo/widgets/collaborators/octo/permission")
    assert body["permission"] == "admin"


async def test_repo_installation_needs_an_app_jwt(gh: GitHub) -> None:
    status, _, _ = await gh.call("GET", "/repos/octo/widgets/installation")
    assert status == 401  # an installation token is not enough
    jwt = make_app_jwt(1, gh.standin.private_key_pem or "")
    app_auth = {"Authorization": f"Bearer {jwt}"}
    status, body, _ = await gh.call("GET", "/repos/octo/widgets/installation", headers=app_auth)
    assert (status, body["id"], body["account"]["login"]) == (200, 1, "octo")


async def test_other_installations_repos_are_invisible(gh: GitHub) -> None:
    gh.standin.add_installation(2, "other")
    gh.standin.add_repo("other", "secret", 2)
    assert (await gh.call("GET", "/repos/other/secret/contents/README.md"))[0] == 404


async def test_expired_token_is_refused(gh: GitHub) -> None:
    gh.standin.auth.tokens[gh.token].expires_at = 0
    assert (await gh.call("GET", "/repos/octo/widgets/pulls/7"))[0] == 401


async def test_requested_reviewers(gh: GitHub) -> None:
    gh.standin.add_collaborator("octo", "widgets", "carol", "write")
    path = "/repos/octo/widgets/pulls/7/requested_reviewers"
    status, _, _ = await gh.call("POST", path, json={"reviewers": ["carol"]})
    assert status == 201
    _, body, _ = await gh.call("GET", "/repos/octo/widgets/pulls/7/requested_reviewers")
    assert [u["login"] for u in body["users"]] == ["carol"]
    status, _, _ = await gh.call("POST", path, json={"reviewers": ["zed"]})
    assert status == 422


async def test_check_run_get_and_missing_sha(gh: GitHub) -> None:
    status, _, _ = await gh.call("POST", "/repos/octo/widgets/check-runs", json={"name": "b", "head_sha": "0" * 40})
    assert status == 422
    head = gh.standin.world.repo("octo", "widgets").branches["feature"]
    _, run, _ = await gh.call("POST", "/repos/octo/widgets/check-runs", json={"name": "b", "head_sha": head})
    status, got, _ = await gh.call("GET", f"/repos/octo/widgets/check-runs/{run['id']}")
    assert (status, got["status"], got["conclusion"]) == (200, "queued", None)


async def test_diff_media_type(gh: GitHub) -> None:
    status, text, headers = await gh.call("GET", "/repos/octo/widgets/pulls/7",
                                          headers={"Accept": "application/vnd.github.diff"})
    assert status == 200 and headers["Content-Type"].startswith("application/vnd.github.diff")
    assert text.startswith("diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,5 +1,7 @@")


async def test_list_files_stops_at_3000(gh: GitHub) -> None:
    gh.standin.push("octo", "widgets", 7, {f"gen/f{i:04}.rs": b"x\n" for i in range(3005)})
    _, first, headers = await gh.call("GET", "/repos/octo/widgets/pulls/7/files", params={"per_page": "100"})
    assert first[0]["filename"] == "gen/f0000.rs"
    assert links(headers)["last"].endswith("page=30")
    _, last, _ = await gh.call("GET", "/repos/octo/widgets/pulls/7/files", params={"per_page": "100", "page": "30"})
    assert len(last) == 100 and last[-1]["filename"] == "gen/f2999.rs"  # src/lib.rs sorts after the cut


async def test_latency_is_added_to_every_call(gh: GitHub) -> None:
    gh.standin.latency = 0.01
    assert (await gh.call("GET", "/repos/octo/widgets/pulls/7"))[0] == 200


def test_shipped_description_keeps_the_shared_operations_and_adds_the_rest() -> None:
    import json
    from pathlib import Path

    from bot.sandbox.contract import load_description, operations
    from bot.sandbox.routing import HANDLERS

    shared_path = Path(__file__).resolve().parents[3] / "shared/github/openapi/rest-api.trimmed.json"
    shared = json.loads(shared_path.read_text())
    shipped = load_description()
    for path, item in shared["paths"].items():
        for method, op in item.items():
            assert shipped["paths"][path][method] == op, op["operationId"]
    assert set(HANDLERS) <= set(operations())
    assert "pulls/request-reviewers" in shipped["info"]["x-source"]["additions"]["operations"]


async def test_file_level_comment_via_create_review_comment(gh: GitHub) -> None:
    head = gh.standin.world.repo("octo", "widgets").branches["feature"]
    comment = {"body": "whole file", "commit_id": head, "path": "src/lib.rs", "subject_type": "file"}
    status, stored, _ = await gh.call("POST", "/repos/octo/widgets/pulls/7/comments", json=comment)
    assert (status, stored["subject_type"], stored.get("line")) == (201, "file", None)
    status, _, _ = await gh.call("POST", "/repos/octo/widgets/pulls/7/comments", json={**comment, "path": "README.md"})
    assert status == 422  # not part of the pull request
    status, reply, _ = await gh.call("POST", f"/repos/octo/widgets/pulls/7/comments/{stored['id']}/replies",
                                     json={"body": "fixed"})
    assert (status, reply["in_reply_to_id"]) == (201, stored["id"])


async def test_create_review_refuses_comments_without_a_line(gh: GitHub) -> None:
    comments = [{"path": "src/lib.rs", "body": "file level?", "subject_type": "file"}]
    status, body, _ = await gh.call("POST", "/repos/octo/widgets/pulls/7/reviews",
                                    json={"event": "COMMENT", "comments": comments})
    assert status == 422 and "pulls/create-review-comment" in body["errors"][0]
    assert gh.standin.reviews("octo", "widgets", 7) == []


async def test_gidgethub_client_works_against_the_stand_in(gh: GitHub) -> None:
    """The bot's own GitHub library: token, paginated iteration via Link, a review and a 422 it can catch."""
    from gidgethub import BadRequest
    from gidgethub.aiohttp import GitHubAPI
    from gidgethub.apps import get_installation_access_token

    gh.standin.push("octo", "widgets", 7, {f"src/g{i}.rs": b"fn g() {}\n" for i in range(45)})
    api = GitHubAPI(gh.session, "blindspot-tests", base_url=gh.standin.url)
    token = await get_installation_access_token(
        api, installation_id="1", app_id="1", private_key=gh.standin.private_key_pem or "")
    api = GitHubAPI(gh.session, "blindspot-tests", oauth_token=token["token"], base_url=gh.standin.url)
    names = [f["filename"] async for f in api.getiter("/repos/octo/widgets/pulls/7/files")]
    assert len(names) == 46 and len(set(names)) == 46
    review = {"event": "COMMENT", "comments": [{"path": "src/lib.rs", "line": 40, "body": "x"}]}
    with pytest.raises(BadRequest) as excinfo:
        await api.post("/repos/octo/widgets/pulls/7/reviews", data=review)
    assert excinfo.value.status_code == 422
    review["comments"][0]["line"] = 3  # type: ignore[index]
    created = await api.post("/repos/octo/widgets/pulls/7/reviews", data=review)
    assert created["state"] == "COMMENTED"
    assert api.rate_limit is not None and api.rate_limit.limit == 5000


async def test_primary_rate_limit_runs_out(gh: GitHub) -> None:
    gh.standin.rate_limit = 2
    first = await gh.call("GET", "/repos/octo/widgets/pulls/7")
    second = await gh.call("GET", "/repos/octo/widgets/pulls/7")
    status, body, headers = await gh.call("GET", "/repos/octo/widgets/pulls/7")
    assert (first[0], second[0], status) == (200, 200, 403)
    assert "rate limit" in body["message"] and headers["x-ratelimit-remaining"] == "0"
    assert int(headers["x-ratelimit-reset"]) > 0


async def test_small_reads(gh: GitHub) -> None:
    await gh.call("POST", "/repos/octo/widgets/issues/7/labels", json=[{"name": "risky"}])
    _, labels, _ = await gh.call("GET", "/repos/octo/widgets/issues/7/labels")
    assert [lb["name"] for lb in labels] == ["risky"]
    status, listing, _ = await gh.call("GET", "/repos/octo/widgets/contents/src", params={"ref": "main"})
    assert status == 200 and [(e["name"], e["type"]) for e in listing] == [("lib.rs", "file")]
    assert (await gh.call("GET", "/repos/octo/widgets/pulls/99"))[0] == 404
    assert (await gh.call("GET", "/repos/octo/widgets/issues/99/comments"))[0] == 404


def test_fixture_fails_a_test_that_breaks_the_contract(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("from tests.conftest import standin  # noqa: F401\n")
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_bad="""
        import aiohttp
        from bot.sandbox.auth import make_app_jwt

        async def test_sends_a_bad_check_run(standin):
            jwt = make_app_jwt(1, standin.private_key_pem)
            async with aiohttp.ClientSession() as session:
                url = standin.url + "/app/installations/1/access_tokens"
                async with session.post(url, headers={"Authorization": "Bearer " + jwt}) as r:
                    token = (await r.json())["token"]
                url = standin.url + "/repos/octo/widgets/check-runs"
                body = {"name": "x", "head_sha": "a" * 40, "conclusion": "green"}
                async with session.post(url, json=body, headers={"Authorization": "token " + token}) as r:
                    pass  # the test itself does not look at the answer
    """)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*GitHub contract violations*", "*checks/create*green*"])


async def test_check_run_rerequested_payload_passes_the_webhook_schemas(gh: GitHub) -> None:
    head = gh.standin.world.repo("octo", "widgets").branches["feature"]
    _, run, _ = await gh.call("POST", "/repos/octo/widgets/check-runs", json={
        "name": "blindspot", "head_sha": head, "conclusion": "action_required",
        "output": {"title": "1 finding", "summary": "needs review"}})
    payload = check_run_payload(gh.standin, "octo", "widgets", run["id"], sender="carol")
    validate_payload("check_run", "rerequested", payload)
    check = payload["check_run"]
    assert (check["id"], check["head_sha"], check["conclusion"]) == (run["id"], head, "action_required")
    assert check["check_suite"]["head_branch"] == "feature" and check["pull_requests"][0]["number"] == 7
    assert check["app"]["id"] == 1 and payload["sender"]["login"] == "carol"


async def test_tarball_redirects_to_a_download_of_the_tree(gh: GitHub) -> None:
    import io
    import tarfile

    status, _, headers = await gh.call("GET", "/repos/octo/widgets/tarball/feature", allow_redirects=False)
    assert status == 302
    async with gh.session.get(headers["Location"]) as response:
        data = await response.read()
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        names = {m.name.split("/", 1)[1]: archive.extractfile(m).read() for m in archive.getmembers()}  # type: ignore[union-attr]
    assert names == {"README.md": b"# widgets\n", "src/lib.rs": HEAD_LIB}
    async with gh.session.get(headers["Location"]) as response:
        assert response.status == 404  # the link is single-use, like GitHub's expiring codeload tokens


THREADS = """
query($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 1, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { id isResolved path line comments(first: 10) { nodes { id databaseId body author { login } } } }
      }
    }
  }
}
"""


async def test_graphql_review_threads_resolve_and_minimize(gh: GitHub) -> None:
    comments = [{"path": "src/lib.rs", "line": 3, "body": "one"}, {"path": "src/lib.rs", "line": 4, "body": "two"}]
    await gh.call("POST", "/repos/octo/widgets/pulls/7/reviews", json={"event": "COMMENT", "comments": comments})
    variables = {"owner": "octo", "name": "widgets", "number": 7}
    _, page1, _ = await gh.call("POST", "/graphql", json={"query": THREADS, "variables": variables})
    threads = page1["data"]["repository"]["pullRequest"]["reviewThreads"]
    assert threads["pageInfo"]["hasNextPage"] is True
    [thread] = threads["nodes"]
    assert (thread["isResolved"], thread["line"], thread["comments"]["nodes"][0]["author"]["login"]) == (
        False, 3, "blindspot")
    mutation = "mutation($id: ID!) { resolveReviewThread(input: {threadId: $id}) { thread { id isResolved } } }"
    _, resolved, _ = await gh.call("POST", "/graphql", json={"query": mutation, "variables": {"id": thread["id"]}})
    assert resolved["data"]["resolveReviewThread"]["thread"] == {"id": thread["id"], "isResolved": True}
    comment_id = thread["comments"]["nodes"][0]["id"]
    minimize = ("mutation($id: ID!) { minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) "
                "{ minimizedComment { isMinimized minimizedReason } } }")
    _, hidden, _ = await gh.call("POST", "/graphql", json={"query": minimize, "variables": {"id": comment_id}})
    assert hidden["data"]["minimizeComment"]["minimizedComment"] == {"isMinimized": True, "minimizedReason": "outdated"}
    after = {**variables, "after": threads["pageInfo"]["endCursor"]}
    _, page2, _ = await gh.call("POST", "/graphql", json={"query": THREADS, "variables": after})
    [second] = page2["data"]["repository"]["pullRequest"]["reviewThreads"]["nodes"]
    assert (second["line"], second["isResolved"]) == (4, False)
    assert [c.operation_id for c in gh.standin.calls[-4:]] == ["graphql"] * 4


async def test_graphql_query_outside_the_schema_is_a_violation(gh: GitHub) -> None:
    bad = 'mutation { resolveThread(input: {threadId: "x"}) { thread { id } } }'
    status, body, _ = await gh.call("POST", "/graphql", json={"query": bad})
    assert status == 200 and "resolveThread" in body["errors"][0]["message"]
    assert gh.standin.violations and "resolveThread" in gh.standin.violations[0]
    gh.standin.violations.clear()
