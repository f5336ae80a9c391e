"""bot/server.py on a real port: signatures, size limit, ping, ignored events, redeliveries, health."""

from __future__ import annotations

import hashlib
import hmac
import json

import aiohttp
import pytest
import sqlalchemy as sa

from bot.config import Settings
from bot.demo import key_pair
from bot.serve import running
from bot.store import jobs

SECRET = b"It's a Secret to Everybody"
KEY = key_pair()[0]


def sign(body: bytes, secret: bytes = SECRET) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def pr_payload(action: str = "opened") -> dict:
    repo = {"id": 1, "name": "widgets", "full_name": "octo/widgets", "owner": {"login": "octo"}}
    pr = {"number": 7, "draft": False, "head": {"sha": "a" * 40, "ref": "f"}, "base": {"sha": "b" * 40, "ref": "main"}}
    return {"action": action, "repository": repo, "pull_request": pr, "installation": {"id": 1}}


@pytest.fixture
async def server(tmp_path):
    settings = Settings(app_id="1", private_key=KEY, webhook_secret=SECRET, database_url=f"sqlite:///{tmp_path}/s.db",
                        github_url="http://127.0.0.1:9", host="127.0.0.1", port=0, retry_base_seconds=3600,
                        poll_seconds=3600, coalesce_seconds=3600)
    async with running(settings) as srv, aiohttp.ClientSession() as http:
        yield srv, http


async def post(http, srv, body: bytes, event="pull_request", delivery="d-1", signature=None, **headers):
    h = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": "application/json", **headers}
    if signature is not False:
        h["X-Hub-Signature-256"] = signature or sign(body)
    async with http.post(srv.url + "/webhooks", data=body, headers=h) as resp:
        return resp.status, await resp.json()


async def job_count(srv) -> int:
    async with srv.store.engine.connect() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(jobs))).scalar_one()


@pytest.mark.parametrize("signature", [False, "sha256=" + "0" * 64, "sha1=abc", sign(b"other body")])
async def test_bad_or_missing_signature_is_401_and_nothing_is_enqueued(server, signature):
    srv, http = server
    status, _ = await post(http, srv, json.dumps(pr_payload("synchronize")).encode(), signature=signature)
    assert status == 401
    assert await job_count(srv) == 0


async def test_body_over_25_mb_is_413(server):
    srv, http = server
    status, _ = await post(http, srv, b"x" * (25 * 1024 * 1024 + 1))
    assert status == 413


async def test_ping_is_200(server):
    srv, http = server
    status, body = await post(http, srv, b'{"zen": "Keep it logically awesome."}', event="ping")
    assert (status, body["status"]) == (200, "pong")


async def test_events_not_handled_are_202_and_ignored(server):
    srv, http = server
    status, body = await post(http, srv, b'{"action": "assigned"}', event="pull_request")
    assert (status, body["status"]) == (202, "ignored")
    status, body = await post(http, srv, b'{"ref": "x"}', event="push", delivery="d-2")
    assert (status, body["status"]) == (202, "ignored")
    assert await job_count(srv) == 0


async def test_a_redelivery_is_acknowledged_without_a_second_job(server):
    srv, http = server
    body = json.dumps(pr_payload("synchronize")).encode()
    first = await post(http, srv, body)
    second = await post(http, srv, body)
    assert first[0] == 202 and first[1]["status"] == "accepted"
    assert second == (200, {"status": "duplicate"})
    assert await job_count(srv) == 1


async def test_edited_without_base_change_does_nothing(server):
    srv, http = server
    payload = {**pr_payload("edited"), "changes": {"title": {"from": "x"}}}
    status, _ = await post(http, srv, json.dumps(payload).encode())
    assert status == 202 and await job_count(srv) == 0


async def test_health_and_readiness(server):
    srv, http = server
    async with http.get(srv.url + "/healthz") as r:
        assert r.status == 200
    async with http.get(srv.url + "/readyz") as r:
        assert r.status == 200 and (await r.json()) == {"database": True, "worker": True}


async def test_installation_events_are_recorded(server):
    srv, http = server
    inst = {"id": 42, "account": {"login": "octo"}}
    created = {"action": "created", "installation": inst, "repositories": [{"full_name": "octo/a"}]}
    added = {"action": "added", "installation": inst, "repositories_added": [{"full_name": "octo/b"}],
             "repositories_removed": [{"full_name": "octo/a"}]}
    assert (await post(http, srv, json.dumps(created).encode(), event="installation", delivery="i-1"))[0] == 202
    status, _ = await post(http, srv, json.dumps(added).encode(), event="installation_repositories", delivery="i-2")
    assert status == 202
    async with srv.store.intake() as conn:
        row = srv.store.installation(conn, 42)
    assert row is not None and row["account"] == "octo" and row["repositories"] == ["octo/b"] and row["active"]
    assert await job_count(srv) == 0


async def test_edited_with_a_new_base_branch_is_analysed_again(server):
    srv, http = server
    payload = {**pr_payload("edited"), "changes": {"base": {"ref": {"from": "develop"}, "sha": {"from": "c" * 40}}}}
    status, _ = await post(http, srv, json.dumps(payload).encode())
    assert status == 202 and await job_count(srv) == 1


async def test_check_suite_rerequested_queues_its_prs_from_the_same_repository(server):
    srv, http = server
    pr = pr_payload()
    same = {"number": 7, "head": pr["pull_request"]["head"], "base": {**pr["pull_request"]["base"], "repo": {"id": 1}}}
    fork = {**same, "number": 8, "base": {**same["base"], "repo": {"id": 99}}}
    payload = {"action": "rerequested", "check_suite": {"pull_requests": [same, fork]},
               "repository": pr["repository"], "installation": {"id": 1}}
    status, body = await post(http, srv, json.dumps(payload).encode(), event="check_suite")
    assert status == 202 and len(body["jobs"]) == 1
