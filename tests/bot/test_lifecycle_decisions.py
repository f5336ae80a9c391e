"""The review lifecycle's decisions, without HTTP: grouping and budget, threads to resolve or reopen, the summary."""

from __future__ import annotations

from bot.markers import marker
from bot.review import decide_review, group_body
from bot.summary import Posted, decide_summary
from bot.threads import Thread, decide_threads, needs_lookup, reply_body, thread_of

from .helpers import finding


def _many(n, rule="unsafe/undocumented-block", path="src/lib.rs", first=1):
    return [finding(path=path, rule=rule, line=first + i, construct=f"{path}{rule}{i}") for i in range(n)]


def test_more_than_the_threshold_of_one_rule_in_one_file_share_one_comment():
    six, five = _many(6), _many(5, path="src/b.rs")
    commentable = {"src/lib.rs": frozenset(range(1, 50)), "src/b.rs": frozenset(range(1, 50))}
    plan = decide_review(six + five, commentable, set(), budget=20, group_threshold=5)
    [group] = plan.groups
    assert group.findings == tuple(six) and group.line == 1
    assert [f for f, _ in plan.inline] == five and plan.comments == 6 and plan.in_body == []


def test_a_group_counts_once_against_the_budget_and_over_budget_findings_go_to_the_body():
    grouped, singles = _many(8, path="src/a.rs"), [finding(path=f"src/s{i}.rs", construct=str(i)) for i in range(4)]
    commentable = {f.path: frozenset(range(1, 50)) for f in grouped + singles}
    plan = decide_review(grouped + singles, commentable, set(), budget=3, group_threshold=5)
    assert len(plan.groups) == 1 and len(plan.inline) == 2 and plan.comments == 3
    assert plan.in_body == singles[2:] and not plan.outside_diff


def test_a_group_anchors_at_its_first_line_inside_the_diff_and_lists_every_line():
    fs = _many(6, first=10)
    plan = decide_review(fs, {"src/lib.rs": frozenset({13, 14})}, set(), budget=20, group_threshold=5)
    [group] = plan.groups
    assert group.line == 13
    body = group_body(group)
    assert "6 findings in this file" in body and all(f"line {f.line} `{f.short_id}`" in body for f in fs)
    assert all(marker("review", f.fingerprint) in body for f in fs)


def test_already_commented_findings_do_not_count_towards_a_group():
    fs = _many(6)
    plan = decide_review(fs, {"src/lib.rs": frozenset(range(1, 50))}, {fs[0].fingerprint}, budget=20)
    assert plan.groups == [] and [f for f, _ in plan.inline] == fs[1:]


def _thread(fps, resolved=False, last_state=None):
    return Thread(id="PRRT_1", first_comment_id=1, fingerprints=frozenset(fps), resolved=resolved,
                  last_state=last_state)


def test_threads_whose_findings_are_all_gone_are_resolved_with_one_reply():
    gone, partly, kept = _thread({"a"}), _thread({"b", "c"}), _thread({"d"})
    actions = decide_threads([gone, partly, kept], current={"c", "d"})
    assert [(a.thread, a.kind, a.reply) for a in actions] == [(gone, "resolve", True)]


def test_a_thread_already_replied_to_is_resolved_without_a_second_reply():
    [action] = decide_threads([_thread({"a"}, last_state="fixed")], current=set())
    assert (action.kind, action.reply) == ("resolve", False)


def test_a_thread_we_resolved_is_reopened_when_its_finding_comes_back_but_a_human_resolution_stays():
    ours, humans = _thread({"a"}, resolved=True, last_state="fixed"), _thread({"b"}, resolved=True)
    [action] = decide_threads([ours, humans], current={"a", "b"})
    assert (action.thread, action.kind, action.reply) == (ours, "reopen", True)
    assert decide_threads([_thread({"a"}, resolved=True)], current=set()) == []


def test_lookup_is_needed_only_for_gone_or_returning_findings():
    assert needs_lookup({"a", "b"}, {"a", "b"}, set()) == (set(), set())
    assert needs_lookup({"a", "b"}, {"a"}, set()) == ({"b"}, set())
    assert needs_lookup({"a", "b"}, {"a"}, {"b"}) == (set(), set())
    assert needs_lookup({"a", "b"}, {"a", "b"}, {"b"}) == (set(), {"b"})


def test_thread_of_reads_our_markers_and_the_last_lifecycle_reply():
    node = {"id": "PRRT_9", "isResolved": False, "comments": {"nodes": [
        {"databaseId": 9, "body": "x " + marker("review", "fp1") + marker("review", "fp2"), "author": {"login": "b"}},
        {"databaseId": 10, "body": "I think this is fine", "author": {"login": "alice"}},
        {"databaseId": 11, "body": reply_body("resolve", "abcdef0123"), "author": {"login": "b"}}]}}
    t = thread_of(node)
    assert t is not None and (t.id, t.first_comment_id, t.fingerprints, t.last_state) == (
        "PRRT_9", 9, frozenset({"fp1", "fp2"}), "fixed")
    human = {"id": "PRRT_2", "isResolved": False, "comments": {"nodes": [{"databaseId": 2, "body": "hi"}]}}
    assert thread_of(human) is None
    assert reply_body("resolve", "abcdef0123").startswith("Fixed in abcdef0:")


def test_summary_is_posted_once_edited_when_it_changes_and_replaced_when_the_verdict_changes():
    old = Posted(comment_id=1, node_id="IC_1", verdict="action_required", digest="d1")
    assert decide_summary(None, "success", "d", anything_to_say=False) is None
    assert decide_summary(None, "action_required", "d", anything_to_say=True) == "post"
    assert decide_summary(old, "action_required", "d1", anything_to_say=True) is None
    assert decide_summary(old, "action_required", "d2", anything_to_say=True) == "edit"
    assert decide_summary(old, "success", "d3", anything_to_say=False) == "replace"
