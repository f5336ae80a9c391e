"""The pure decide_*() functions of the publishers, tested without HTTP."""

from bot.checkrun import decide_conclusion
from bot.context import Outcome
from bot.labels import decide_label
from bot.repo_config import RepoConfig
from bot.review import decide_review
from bot.worker import decide_retry
from checks import Report
from checks.coverage import Coverage

from .helpers import finding


def _outcome(*findings):
    return Outcome(report=Report(findings=list(findings), coverage=Coverage()))


def test_conclusion_is_success_without_findings_needing_review():
    assert decide_conclusion(_outcome(finding(severity="note")), RepoConfig(), draft=False) == "success"


def test_conclusion_follows_the_policy_when_findings_need_review():
    out = _outcome(finding(severity="warning"))
    assert decide_conclusion(out, RepoConfig(), draft=False) == "action_required"
    assert decide_conclusion(out, RepoConfig(conclusion="failure"), draft=False) == "failure"


def test_draft_prs_are_not_blocked():
    assert decide_conclusion(_outcome(finding(severity="error")), RepoConfig(), draft=True) == "neutral"


def test_label_is_added_once_and_removed_when_nothing_needs_review():
    assert decide_label(True, False) == "add"
    assert decide_label(True, True) is None
    assert decide_label(False, True) == "remove"
    assert decide_label(False, False) is None


def test_review_anchors_in_the_diff_and_lists_the_rest_in_the_body():
    inside = finding(line=3, construct="a")
    ranged = finding(line=8, end_line=10, construct="b")
    outside = finding(line=40, construct="c")
    plan = decide_review([inside, ranged, outside], {"src/lib.rs": frozenset({3, 4, 10})}, set(), budget=20)
    assert [(f.line, line) for f, line in plan.inline] == [(3, 3), (8, 10)]
    assert plan.in_body == [outside] and plan.outside_diff == {outside.fingerprint}


def test_review_skips_findings_already_commented_and_honours_the_budget():
    fs = [finding(line=n, construct=str(n)) for n in range(1, 6)]
    plan = decide_review(fs, {"src/lib.rs": frozenset(range(1, 6))}, {fs[0].fingerprint}, budget=2)
    assert [f.line for f, _ in plan.inline] == [2, 3]
    assert [f.line for f in plan.in_body] == [4, 5]


def test_retry_backs_off_and_stops_after_the_last_try():
    assert decide_retry(1, 3, 2.0) == 2.0
    assert decide_retry(2, 3, 2.0) == 4.0
    assert decide_retry(2, 3, 2.0, hint=30) == 30
    assert decide_retry(3, 3, 2.0) is None
