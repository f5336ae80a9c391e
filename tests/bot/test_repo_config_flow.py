"""A PR that edits `.github/blindspot.toml`, and a base config that teaches the checks, over HTTP with the stand-in."""

from __future__ import annotations

from bot.markers import find_markers
from bot.repo_config import DRAFT_SKIPPED

from .harness import BASE_RS, CARGO, OWNER, REPO, UNSAFE_RS, app, markers_of, open_pr, ops, send_pr_event, wait_idle
from .test_repo_config import TIKV_RS

CONFIG = ".github/blindspot.toml"
BASE = {"Cargo.toml": CARGO, "src/lib.rs": BASE_RS, CONFIG: b'[review]\nlabel = "unsafe-review"\n'}
BROKEN = b'[review]\nlabel = "unsafe-review"\ncomment_budget = "many"\n\n[famillies]\nunsafe = false\n'
FIXED = b'[review]\nlabel = "unsafe-review"\ncomment_budget = 10\n\n[families]\nunsafe = false\n'


def _config_comments(standin, number):
    return [c for c in standin.issue_comments(OWNER, REPO, number)
            if any(m.kind == "repo_config" for m in find_markers(c["body"]))]


async def test_pr_editing_config_gets_one_comment_with_line_numbers_and_is_judged_by_base_config(standin, tmp_path):
    number = open_pr(standin, BASE, {**BASE, "src/lib.rs": UNSAFE_RS, CONFIG: BROKEN})
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    [comment] = _config_comments(standin, number)
    assert "has 2 problem(s)" in comment["body"]
    assert "- line 3: `review.comment_budget` must be an integer from 0 to 50" in comment["body"]
    assert "- line 5: `famillies` unknown key" in comment["body"]
    assert standin.issue_labels(OWNER, REPO, number) == ["unsafe-review"], "the base config's label"
    assert markers_of(standin.review_comments(OWNER, REPO, number)), "unsafe stays on: the PR's config is not used"
    assert [c.status for c in ops(standin, "issues/create-comment")] == [201]


async def test_a_later_push_fixing_the_config_updates_the_same_comment(standin, tmp_path):
    number = open_pr(standin, BASE, {**BASE, "src/lib.rs": UNSAFE_RS, CONFIG: BROKEN})
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
        [before] = _config_comments(standin, number)
        standin.push(OWNER, REPO, number, {CONFIG: FIXED})
        await send_pr_event(srv, standin, number, action="synchronize")
        await wait_idle(srv)
    [after] = _config_comments(standin, number)
    assert after["id"] == before["id"] and "valid now" in after["body"] and "line 3" not in after["body"]
    assert len(ops(standin, "issues/create-comment")) == 1 and len(ops(standin, "issues/update-comment")) == 1
    assert markers_of(standin.review_comments(OWNER, REPO, number)), "still judged by the base config"


async def test_a_valid_config_edit_gets_no_comment(standin, tmp_path):
    number = open_pr(standin, BASE, {**BASE, CONFIG: FIXED})
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    assert _config_comments(standin, number) == [] and ops(standin, "issues/create-comment") == []
    assert len(ops(standin, "issues/list-comments")) == 1


async def test_a_pr_not_touching_the_config_costs_no_extra_call(standin, tmp_path):
    number = open_pr(standin, BASE, {**BASE, "src/lib.rs": UNSAFE_RS})
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    assert ops(standin, "issues/list-comments") == [] and _config_comments(standin, number) == []


async def test_base_config_lock_methods_make_a_tikv_double_lock_a_posted_finding(standin, tmp_path):
    base = {"Cargo.toml": CARGO, "src/lib.rs": BASE_RS,
            CONFIG: b'[lock]\nmethods = ["rl", "wl"]\n[rules."lock/double-lock"]\nseverity = "warning"\n'}
    number = open_pr(standin, base, {**base, "src/store.rs": TIKV_RS})
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    [comment] = [c for c in standin.review_comments(OWNER, REPO, number) if "lock/double-lock" in c["body"]]
    assert (comment["path"], comment["line"]) == ("src/store.rs", 12)
    [run] = standin.check_runs(OWNER, REPO)
    assert "| `lock/double-lock` | warning |" in run["output"]["summary"], "the severity override is posted"


async def test_draft_skip_leaves_a_draft_unanalysed_with_a_neutral_check(standin, tmp_path):
    base = {**BASE, CONFIG: b'[review]\ndraft = "skip"\n'}
    number = open_pr(standin, base, {**base, "src/lib.rs": UNSAFE_RS}, draft=True)
    async with app(standin, tmp_path) as srv:
        await send_pr_event(srv, standin, number)
        await wait_idle(srv)
    [run] = standin.check_runs(OWNER, REPO)
    assert (run["conclusion"], run["output"]["title"]) == ("neutral", DRAFT_SKIPPED)
    assert standin.review_comments(OWNER, REPO, number) == [] and ops(standin, "repos/get-content") != []
    assert [c for c in ops(standin, "repos/get-content") if "src/lib.rs" in c.path] == []
