"""The review lifecycle end to end over HTTP: one thread per finding for the life of the PR (issue 7 §1).

Each story checks the exact writes the App sent to the stand-in (GraphQL calls named by their root
field) and, through the `standin` fixture, that no call broke GitHub's REST or GraphQL contract.
"""

from __future__ import annotations

import checks
from bot.sandbox import render
from bot.sandbox.dispatch import graphql_fault_key

from .harness import BASE_RS, CARGO, OWNER, REPO, UNSAFE_RS, app, markers_of, open_pr, send_pr_event, wait_idle

BASE = {"Cargo.toml": CARGO, "src/lib.rs": BASE_RS}
HEAD = {"Cargo.toml": CARGO, "src/lib.rs": UNSAFE_RS}
SAFE_FN = b"pub fn first(v: &[u8]) -> Option<u8> {\n    v.first().copied()\n}\n\n"
OTHER_UNSAFE = b"\npub fn other(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n"
NEWER_UNSAFE = b"\npub fn newer(p: *const u32) -> u32 {\n    unsafe { p.read() }\n}\n"


def writes(calls) -> list[tuple[str, int]]:
    """(operation, status) of every call that is not a REST read; GraphQL calls as `graphql:<root field>`."""
    out = []
    for c in calls:
        if c.operation_id == "graphql":
            out.append((graphql_fault_key(c.request_json), c.status))
        elif c.method != "GET" and c.operation_id != "apps/create-installation-access-token":
            out.append((c.operation_id, c.status))
    return out


def ok(*ops: str) -> list[tuple[str, int]]:
    return [(op, 200 if op.startswith("graphql") or op in ("checks/update", "pulls/create-review",
                                                           "issues/add-labels", "issues/remove-label",
                                                           "issues/update-comment") else 201) for op in ops]


def stored(standin, comment_id):
    return standin.world.repo(OWNER, REPO).review_comments[comment_id]


def human_reply(standin, top, login: str, text: str) -> None:
    """A reply written by a person in the thread of `top` (the stand-in has no helper for it)."""
    world = standin.world
    cid = world.next_id()
    world.repo(OWNER, REPO).review_comments[cid] = {
        **stored(standin, top["id"]), "id": cid, "node_id": f"PRRC_{cid}", "body": text,
        "in_reply_to_id": top["id"], "user": render.user(world, login, "User")}


async def _push(srv, standin, number, files, **kw) -> tuple[str, int]:
    """Push, deliver `synchronize`, wait; returns (new head sha, index of the first call it caused)."""
    mark = len(standin.calls)
    sha = standin.push(OWNER, REPO, number, files, **kw)
    await send_pr_event(srv, standin, number, action="synchronize")
    await wait_idle(srv)
    return sha, mark


async def test_a_push_that_fixes_a_finding_resolves_its_thread_with_a_reply_and_the_check_turns_green(
        standin, tmp_path):
    number = open_pr(standin, BASE, HEAD)
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
        [top] = standin.review_comments(OWNER, REPO, number)
        human_reply(standin, top, "alice", "Why is the bounds check skipped here?")
        sha, mark = await _push(srv, standin, number, {"src/lib.rs": BASE_RS})
    assert writes(standin.calls[mark:]) == ok("checks/create", "graphql:repository",
                                              "pulls/create-reply-for-review-comment",
                                              "graphql:resolveReviewThread", "issues/remove-label", "checks/update")
    comments = standin.review_comments(OWNER, REPO, number)
    assert [c["body"] for c in comments[1:2]] == ["Why is the bounds check skipped here?"]
    assert comments[2]["in_reply_to_id"] == top["id"] and comments[2]["body"].startswith(f"Fixed in {sha[:7]}:")
    assert stored(standin, top["id"])["__resolved"] is True and len(comments) == 3  # resolved, nothing deleted
    assert standin.issue_labels(OWNER, REPO, number) == []
    assert [r["conclusion"] for r in standin.check_runs(OWNER, REPO)] == ["action_required", "success"]


async def test_a_push_that_shifts_lines_posts_nothing_new(standin, tmp_path):
    number = open_pr(standin, BASE, HEAD)
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
        before = standin.review_comments(OWNER, REPO, number)
        _, mark = await _push(srv, standin, number, {"src/lib.rs": SAFE_FN + UNSAFE_RS})
    assert writes(standin.calls[mark:]) == ok("checks/create", "checks/update")
    assert standin.review_comments(OWNER, REPO, number) == before and len(standin.reviews(OWNER, REPO, number)) == 1
    first, second = standin.check_runs(OWNER, REPO)
    [old], [new] = (standin.check_run_annotations(OWNER, REPO, r["id"]) for r in (first, second))
    assert new["start_line"] == old["start_line"] + 4 and second["conclusion"] == "action_required"


async def test_a_force_pushed_rebase_keeps_the_same_threads(standin, tmp_path):
    number = open_pr(standin, BASE, HEAD)
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
        before = standin.review_comments(OWNER, REPO, number)
        old_head = standin.world.pull(OWNER, REPO, number).head_sha
        upstream = b"pub const VERSION: u32 = 2;\n\n"
        standin.commit(OWNER, REPO, "main", {"Cargo.toml": CARGO, "src/lib.rs": upstream + BASE_RS})
        sha, mark = await _push(srv, standin, number, {"src/lib.rs": upstream + UNSAFE_RS}, force=True)
    assert standin.world.repo(OWNER, REPO).commits[sha].parent != old_head  # history rewritten
    assert writes(standin.calls[mark:]) == ok("checks/create", "checks/update")
    assert standin.review_comments(OWNER, REPO, number) == before
    assert not stored(standin, before[0]["id"]).get("__resolved")


def _sixty() -> dict[str, bytes]:
    """12 findings of one rule in one file (grouped) and 48 in 24 other files (two each)."""
    def fns(n: int, tag: str) -> bytes:
        return "".join(f"pub fn {tag}{i}(v: &[u8]) -> u8 {{\n    unsafe {{ *v.get_unchecked({i}) }}\n}}\n"
                       for i in range(n)).encode()
    files = {f"src/s{k:02}.rs": fns(2, f"s{k}_") for k in range(24)}  # distinct code: distinct fingerprints
    return {"Cargo.toml": CARGO, "src/lib.rs": BASE_RS, "src/grouped.rs": fns(12, "g"), **files}


async def test_sixty_findings_give_at_most_twenty_inline_comments_a_group_and_the_rest_in_the_summary(
        standin, tmp_path):
    head = _sixty()
    expected = checks.analyze(BASE, head, [p for p in head if head[p] != BASE.get(p)]).findings
    assert len(expected) == 60 and {f.rule for f in expected} == {"unsafe/undocumented-block"}
    number = open_pr(standin, BASE, head)
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    assert writes(standin.calls) == ok("checks/create", "pulls/create-review", "issues/create-label",
                                       "issues/add-labels", "checks/update", "checks/update")
    comments = standin.review_comments(OWNER, REPO, number)
    [group] = [c for c in comments if c["path"] == "src/grouped.rs"]
    assert len(comments) == 20 and "12 findings in this file" in group["body"]
    assert len(markers_of([group])) == 12 and len(markers_of(comments)) == 12 + 19
    [review] = standin.reviews(OWNER, REPO, number)
    assert review["body"].count("(over budget)") == 60 - 12 - 19
    summary = standin.check_runs(OWNER, REPO)[0]["output"]["summary"]
    assert all(f"| {f.short_id} |" in summary for f in expected)


async def test_a_failure_while_posting_is_resumed_by_the_retry_without_duplicates(standin, tmp_path):
    number = open_pr(standin, BASE, {**HEAD, "src/lib.rs": UNSAFE_RS + OTHER_UNSAFE})
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
        standin.fail_next("pulls/create-reply-for-review-comment", 502)
        _, mark = await _push(srv, standin, number, {"src/lib.rs": BASE_RS + OTHER_UNSAFE + NEWER_UNSAFE})
    assert writes(standin.calls[mark:]) == [
        *ok("checks/create", "pulls/create-review", "graphql:repository"),
        ("pulls/create-reply-for-review-comment", 502),
        *ok("graphql:repository", "pulls/create-reply-for-review-comment", "graphql:resolveReviewThread",
            "checks/update")]
    comments = standin.review_comments(OWNER, REPO, number)
    assert len(standin.reviews(OWNER, REPO, number)) == 3  # first push, second push, the one reply
    assert len([c for c in comments if "in_reply_to_id" in c]) == 1 and len(comments) == 4


async def test_a_failed_resolve_is_retried_without_a_second_reply(standin, tmp_path):
    number = open_pr(standin, BASE, HEAD)
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
        standin.fail_next("graphql:resolveReviewThread", 502)
        _, mark = await _push(srv, standin, number, {"src/lib.rs": BASE_RS})
    assert writes(standin.calls[mark:]) == [
        *ok("checks/create", "graphql:repository", "pulls/create-reply-for-review-comment"),
        ("graphql:resolveReviewThread", 502),
        *ok("graphql:repository", "graphql:resolveReviewThread", "issues/remove-label", "checks/update")]
    top, reply = standin.review_comments(OWNER, REPO, number)
    assert stored(standin, top["id"])["__resolved"] is True and reply["body"].startswith("Fixed in")


async def test_a_finding_that_comes_back_reopens_its_thread_instead_of_posting_again(standin, tmp_path):
    number = open_pr(standin, BASE, HEAD)
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
        await _push(srv, standin, number, {"src/lib.rs": BASE_RS})
        sha, mark = await _push(srv, standin, number, {"src/lib.rs": UNSAFE_RS})
        _, quiet = await _push(srv, standin, number, {"src/lib.rs": SAFE_FN + UNSAFE_RS})
    assert writes(standin.calls[mark:quiet]) == ok(
        "checks/create", "graphql:repository", "pulls/create-reply-for-review-comment",
        "graphql:unresolveReviewThread", "issues/add-labels", "checks/update")
    assert writes(standin.calls[quiet:]) == ok("checks/create", "checks/update")
    top, _fixed, back = standin.review_comments(OWNER, REPO, number)
    assert back["body"].startswith(f"Back in {sha[:7]}:") and not stored(standin, top["id"])["__resolved"]


async def test_the_summary_comment_is_edited_in_place_and_replaced_when_the_verdict_changes(
        standin, tmp_path):
    config = {".github/blindspot.toml": b"[review]\nsummary_comment = true\n"}
    number = open_pr(standin, {**BASE, **config}, {**HEAD, **config})
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
        [first] = standin.issue_comments(OWNER, REPO, number)
        _, edit = await _push(srv, standin, number, {"src/lib.rs": SAFE_FN + UNSAFE_RS})
        sha, replace = await _push(srv, standin, number, {"src/lib.rs": BASE_RS})
    assert ("issues/list-comments", 200) not in writes(standin.calls)
    assert writes(standin.calls[edit:replace]) == ok("checks/create", "issues/update-comment", "checks/update")
    assert writes(standin.calls[replace:]) == ok(
        "checks/create", "graphql:repository", "pulls/create-reply-for-review-comment",
        "graphql:resolveReviewThread", "issues/remove-label", "graphql:minimizeComment", "issues/create-comment",
        "checks/update")
    old, new = standin.issue_comments(OWNER, REPO, number)
    assert old["id"] == first["id"] and "at " in old["body"] and old["body"] != first["body"]
    assert standin.world.repo(OWNER, REPO).issue_comments[old["id"]]["__minimized"] == "OUTDATED"
    assert new["body"].startswith(f"## Blindspot: ✅ nothing needs review (at {sha[:7]})")


async def test_a_new_state_store_finds_the_posted_threads_from_the_markers(standin, tmp_path):
    """The database was lost (or the PR was reviewed before this server ran): nothing is posted twice."""
    number = open_pr(standin, BASE, HEAD)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    async with app(standin, tmp_path / "one") as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    async with app(standin, tmp_path / "two") as srv:
        _, mark = await _push(srv, standin, number, {"src/lib.rs": SAFE_FN + UNSAFE_RS})
        sha, fix = await _push(srv, standin, number, {"src/lib.rs": BASE_RS})
    assert writes(standin.calls[mark:fix]) == [  # no review: the finding's thread was found by its marker
        ("checks/create", 201), ("issues/create-label", 422), *ok("issues/add-labels", "checks/update")]
    assert writes(standin.calls[fix:]) == ok(
        "checks/create", "graphql:repository", "pulls/create-reply-for-review-comment",
        "graphql:resolveReviewThread", "issues/remove-label", "checks/update")
    assert len(standin.reviews(OWNER, REPO, number)) == 2  # the first review and the reply
    assert standin.review_comments(OWNER, REPO, number)[1]["body"].startswith(f"Fixed in {sha[:7]}:")


async def test_a_group_thread_is_resolved_only_when_all_its_findings_are_gone(standin, tmp_path):
    def fns(ids) -> bytes:
        return "".join(f"pub fn g{i}(v: &[u8]) -> u8 {{\n    unsafe {{ *v.get_unchecked({i}) }}\n}}\n"
                       for i in ids).encode()
    number = open_pr(standin, BASE, {**BASE, "src/g.rs": fns(range(6))})
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
        [group] = standin.review_comments(OWNER, REPO, number)
        _, one_gone = await _push(srv, standin, number, {"src/g.rs": fns(range(1, 6))})
        _, shifted = await _push(srv, standin, number, {"src/g.rs": SAFE_FN + fns(range(1, 6))})
        _, all_gone = await _push(srv, standin, number, {"src/g.rs": SAFE_FN})
    assert "6 findings in this file" in group["body"]
    assert writes(standin.calls[one_gone:shifted]) == ok("checks/create", "graphql:repository", "checks/update")
    assert writes(standin.calls[shifted:all_gone]) == ok("checks/create", "checks/update")
    assert writes(standin.calls[all_gone:]) == ok(
        "checks/create", "graphql:repository", "pulls/create-reply-for-review-comment",
        "graphql:resolveReviewThread", "issues/remove-label", "checks/update")
    assert stored(standin, group["id"])["__resolved"] is True
