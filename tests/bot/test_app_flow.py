"""The App against the stand-in over real HTTP: redeliveries, bursts, GitHub failures, anchors, config."""

from __future__ import annotations

import asyncio
import time

import checks
from bot.checkrun import COULD_NOT_FINISH
from bot.demo import deliver
from bot.sandbox.webhooks import pull_request_payload

from .harness import BASE_RS, CARGO, OWNER, REPO, UNSAFE_RS, app, markers_of, open_pr, ops, send_pr_event, wait_idle

BASE = {"Cargo.toml": CARGO, "src/lib.rs": BASE_RS}
HEAD = {"Cargo.toml": CARGO, "src/lib.rs": UNSAFE_RS}


def _expected(base=BASE, head=HEAD):
    return checks.analyze(base, head, [p for p in head if head[p] != base.get(p)]).findings


async def test_the_same_delivery_twice_gives_one_review(standin, tmp_path):
    number = open_pr(standin, BASE, HEAD)
    async with app(standin, tmp_path) as srv:
        first = await send_pr_event(srv, standin, number, delivery_id="same-id")
        second = await send_pr_event(srv, standin, number, delivery_id="same-id")
        await wait_idle(srv)
    assert (first[0], second[0]) == (202, 200)
    assert len(standin.reviews(OWNER, REPO, number)) == 1
    assert len(ops(standin, "checks/create")) == 1


async def test_a_burst_of_ten_pushes_is_analysed_once_at_the_newest_head(standin, tmp_path):
    number = open_pr(standin, BASE, BASE)
    async with app(standin, tmp_path, coalesce_seconds=1.0) as srv:
        for i in range(10):
            src = UNSAFE_RS + f"\npub const V: u32 = {i};\n".encode()
            standin.push(OWNER, REPO, number, {"src/lib.rs": src})
            status, _ = await send_pr_event(srv, standin, number, action="synchronize")
            assert status == 202
        await wait_idle(srv)
    newest = standin.reviews(OWNER, REPO, number)
    [run] = standin.check_runs(OWNER, REPO)
    head_sha = pull_request_payload(standin, OWNER, REPO, number)["pull_request"]["head"]["sha"]
    assert run["head_sha"] == head_sha and run["status"] == "completed"
    assert len(newest) == 1 and newest[0]["commit_id"] == head_sha
    assert len(ops(standin, "pulls/list-files")) == 1


async def test_github_5xx_then_success_gives_one_review(standin, tmp_path):
    number = open_pr(standin, BASE, HEAD)
    standin.fail_next("pulls/create-review", 502)
    standin.fail_next("pulls/list-files", 500)
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    assert len(standin.reviews(OWNER, REPO, number)) == 1
    assert [c.status for c in ops(standin, "pulls/create-review")] == [502, 200]
    assert markers_of(standin.review_comments(OWNER, REPO, number)) == {f.fingerprint for f in _expected()}
    assert standin.check_runs(OWNER, REPO)[0]["conclusion"] == "action_required"


async def test_secondary_rate_limit_with_retry_after_waits_and_succeeds(standin, tmp_path):
    number = open_pr(standin, BASE, HEAD)
    standin.fail_next("pulls/create-review", 403, headers={"retry-after": "1"},
                      body={"message": "You have exceeded a secondary rate limit",
                            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"})
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
        retried_in_place = srv.worker.jobs_run == 1
    assert [c.status for c in ops(standin, "pulls/create-review")] == [403, 200]
    assert retried_in_place, "the retry-after wait happens inside the call, not as a job retry"
    assert len(standin.reviews(OWNER, REPO, number)) == 1


async def test_github_failing_every_try_completes_the_check_saying_so(standin, tmp_path):
    number = open_pr(standin, BASE, HEAD)
    standin.fail_next("pulls/create-review", 500, times=3)
    async with app(standin, tmp_path, max_attempts=3) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    [run] = standin.check_runs(OWNER, REPO)
    assert run["status"] == "completed" and run["conclusion"] == "neutral"
    assert run["output"]["title"] == COULD_NOT_FINISH and COULD_NOT_FINISH in run["output"]["summary"]
    assert standin.reviews(OWNER, REPO, number) == []


async def test_a_finding_outside_the_diff_goes_to_the_review_body_not_a_422(standin, tmp_path):
    """Renaming a long function changes its findings' identity, but the unsafe line is far from the hunk."""
    body = "".join(f"    let _x{i} = {i};\n" for i in range(12))
    old = f"pub fn old_name(v: &[u8]) -> u8 {{\n{body}    unsafe {{ *v.get_unchecked(0) }}\n}}\n".encode()
    new = old.replace(b"old_name", b"new_name")
    base, head = {"Cargo.toml": CARGO, "src/lib.rs": old}, {"Cargo.toml": CARGO, "src/lib.rs": new}
    [finding] = [f for f in _expected(base, head) if f.rule == "unsafe/undocumented-block"]
    number = open_pr(standin, base, head)
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    assert all(c.status != 422 for c in standin.calls)
    [review] = standin.reviews(OWNER, REPO, number)
    assert f"<!-- blindspot:review fp={finding.fingerprint} -->" in review["body"]
    assert f"`src/lib.rs:{finding.line}`" in review["body"] and "outside the diff" in review["body"]
    assert standin.review_comments(OWNER, REPO, number) == []


async def test_pr_without_rust_files_gets_a_success_check(standin, tmp_path):
    number = open_pr(standin, {"README.md": b"hi\n"}, {"README.md": b"hello\n"})
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    [run] = standin.check_runs(OWNER, REPO)
    assert (run["status"], run["conclusion"], run["output"]["title"]) == ("completed", "success", "No Rust changes")
    assert standin.reviews(OWNER, REPO, number) == [] and standin.issue_labels(OWNER, REPO, number) == []


async def test_config_on_the_pr_branch_is_ignored_and_base_branch_config_wins(standin, tmp_path):
    base_cfg = b'[label]\nname = "unsafe-review"\n'
    pr_cfg = b'[label]\nname = "nothing-here"\n[families]\nunsafe = false\n'
    number = open_pr(standin, {**BASE, ".github/blindspot.toml": base_cfg}, {**HEAD, ".github/blindspot.toml": pr_cfg})
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    assert standin.issue_labels(OWNER, REPO, number) == ["unsafe-review"]
    assert markers_of(standin.review_comments(OWNER, REPO, number)) == {f.fingerprint for f in _expected()}


async def test_invalid_config_is_reported_in_the_check_and_defaults_are_used(standin, tmp_path):
    number = open_pr(standin, {**BASE, ".github/blindspot.toml": b"[check]\nconclusion = 'explode'\n"}, HEAD)
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    [run] = standin.check_runs(OWNER, REPO)
    assert "has errors; the defaults were used" in run["output"]["summary"]
    assert "check.conclusion" in run["output"]["summary"] and run["conclusion"] == "action_required"


async def test_rerun_on_the_same_head_posts_nothing_twice(standin, tmp_path):
    number = open_pr(standin, BASE, HEAD)
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
        pr = pull_request_payload(standin, OWNER, REPO, number)
        run = standin.check_runs(OWNER, REPO)[0]
        payload = {"action": "rerequested", "check_run": {**run, "pull_requests": [
            {"number": number, "head": pr["pull_request"]["head"], "base": pr["pull_request"]["base"]}]},
            "repository": pr["repository"], "installation": {"id": 1}, "sender": pr["sender"]}
        status, _ = await deliver(srv.url, "check_run", payload)
        await wait_idle(srv)
    assert status == 202
    assert len(standin.check_runs(OWNER, REPO)) == 1 and len(standin.reviews(OWNER, REPO, number)) == 1
    assert len(ops(standin, "checks/update")) == 2 and len(ops(standin, "issues/add-labels")) == 1


async def test_fixing_the_code_removes_the_label(standin, tmp_path):
    number = open_pr(standin, BASE, HEAD)
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
        standin.push(OWNER, REPO, number, {"src/lib.rs": BASE_RS})
        await send_pr_event(srv, standin, number, action="synchronize")
        await wait_idle(srv)
    assert standin.issue_labels(OWNER, REPO, number) == []
    assert [r["conclusion"] for r in standin.check_runs(OWNER, REPO)] == ["action_required", "success"]


async def test_closing_drops_pending_work(standin, tmp_path):
    number = open_pr(standin, BASE, HEAD)
    async with app(standin, tmp_path, coalesce_seconds=1.0) as srv:
        await send_pr_event(srv, standin, number, action="synchronize")
        await send_pr_event(srv, standin, number, action="closed")
        await wait_idle(srv)
    assert standin.check_runs(OWNER, REPO) == []


async def test_draft_pr_is_analysed_but_not_blocked(standin, tmp_path):
    number = open_pr(standin, BASE, HEAD, draft=True)
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    [run] = standin.check_runs(OWNER, REPO)
    assert run["conclusion"] == "neutral" and "draft" in run["output"]["summary"]
    [review] = standin.reviews(OWNER, REPO, number)
    assert review["state"] == "COMMENTED"


async def test_a_github_call_that_times_out_is_retried_and_the_review_posted_once(standin, tmp_path):
    number = open_pr(standin, BASE, HEAD)
    standin.delay_next("pulls/create-review", 2.0)
    async with app(standin, tmp_path, http_timeout_seconds=0.5) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
        await asyncio.sleep(1.6)  # let the delayed (abandoned) request finish on the stand-in's side
        await wait_idle(srv)
    assert len(standin.reviews(OWNER, REPO, number)) == 1
    assert standin.check_runs(OWNER, REPO)[0]["conclusion"] == "action_required"


async def test_primary_rate_limit_waits_for_the_reset(standin, tmp_path):
    number = open_pr(standin, BASE, HEAD)
    reset = str(int(time.time()) + 1)
    standin.fail_next("pulls/list-files", 403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset,
                                                        "x-ratelimit-limit": "5000", "x-ratelimit-used": "5000",
                                                        "x-ratelimit-resource": "core"},
                      body={"message": "API rate limit exceeded for installation ID 1.",
                            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"})
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
        assert srv.worker.jobs_run == 1
    assert [c.status for c in ops(standin, "pulls/list-files")] == [403, 200]
    assert len(standin.reviews(OWNER, REPO, number)) == 1


async def test_a_pr_with_more_files_than_one_page_is_read_completely(standin, tmp_path):
    docs = {f"docs/page{i}.md": f"page {i}\n".encode() for i in range(120)}
    number = open_pr(standin, {**BASE, **docs}, {**HEAD, **{p: b"changed\n" + t for p, t in docs.items()}})
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    assert len(ops(standin, "pulls/list-files")) == 2
    assert markers_of(standin.review_comments(OWNER, REPO, number)) == {f.fingerprint for f in _expected()}
    assert "the PR changes 121 file(s)" in standin.check_runs(OWNER, REPO)[0]["output"]["summary"]


async def test_github_refusing_the_review_still_completes_the_check_and_says_why(standin, tmp_path):
    number = open_pr(standin, BASE, HEAD)
    standin.fail_next("pulls/create-review", 403, body={
        "message": "Resource not accessible by integration",
        "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request"})
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    [run] = standin.check_runs(OWNER, REPO)
    assert run["status"] == "completed" and run["output"]["title"] == COULD_NOT_FINISH
    assert "GitHub refused a call: 403 Resource not accessible by integration" in run["output"]["summary"]


async def test_many_findings_go_out_in_annotation_batches_and_over_budget_ones_into_the_body(standin, tmp_path):
    fns = ["".join(f"pub fn f{i}(v: &[u8]) -> u8 {{\n    unsafe {{ *v.get_unchecked({i}) }}\n}}\n"
                   for i in range(k, k + 5)) for k in range(0, 55, 5)]  # 5 per file: under the grouping threshold
    head = {"Cargo.toml": CARGO, "src/lib.rs": BASE_RS, **{f"src/m{k}.rs": t.encode() for k, t in enumerate(fns)}}
    expected = _expected(BASE, head)
    assert len(expected) == 55
    number = open_pr(standin, BASE, head)
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    [run] = standin.check_runs(OWNER, REPO)
    notes = standin.check_run_annotations(OWNER, REPO, run["id"])
    assert sorted((a["path"], a["start_line"]) for a in notes) == sorted((f.path, f.line) for f in expected)
    [review] = standin.reviews(OWNER, REPO, number)
    assert len(standin.review_comments(OWNER, REPO, number)) == 20
    assert review["body"].count("(over budget)") == 35
