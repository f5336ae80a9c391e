"""Approvals: which findings an approve names, what stays approved, the audit line, the store round trip."""

from __future__ import annotations

from bot import approvals
from bot.approvals import Approval
from bot.checkrun import decide_conclusion, summary
from bot.context import Outcome
from bot.labels import decide_label
from bot.repo_config import RepoConfig
from bot.store import Store
from checks import Coverage, Report

from .helpers import finding

A = finding(construct="unsafe { a }")
B = finding(construct="unsafe { b }", line=9)
NOTE = finding(construct="unsafe { n }", severity="note")


def _outcome(*found, records=()):
    out = Outcome(report=Report(findings=list(found), coverage=Coverage(), head_findings=list(found)))
    out.approvals = list(records)
    return out


def test_all_names_every_finding_awaiting_approval_but_not_notes_or_approved_ones():
    matched, unknown = approvals.resolve(("all",), [A, B, NOTE], done={A.fingerprint})
    assert (matched, unknown) == ([B], [])


def test_ids_are_case_insensitive_deduplicated_and_unknown_ones_reported():
    ids = (A.short_id.lower(), A.short_id, "BS-0000000")
    matched, unknown = approvals.resolve(ids, [A, B], done=set())
    assert (matched, unknown) == ([A], ["BS-0000000"])


def test_an_approval_counts_for_the_same_fingerprint_at_any_line_and_sha():
    moved = finding(construct="unsafe { a }", line=40)
    assert moved.fingerprint == A.fingerprint
    out = _outcome(moved, B, records=[Approval("maria", "a" * 40, (A.fingerprint,))])
    assert out.awaiting_approval == [B]
    assert decide_conclusion(out, RepoConfig(), draft=False) == "action_required"
    assert decide_label(bool(out.awaiting_approval), applied=False) == "add"


def test_everything_approved_is_success_and_the_label_goes():
    out = _outcome(A, NOTE, records=[Approval("maria", "a" * 40, (A.fingerprint,), "read it")])
    assert out.awaiting_approval == []
    assert decide_conclusion(out, RepoConfig(), draft=False) == "success"
    assert decide_label(bool(out.awaiting_approval), applied=True) == "remove"


def test_the_summary_lists_every_approval_with_who_what_sha_when_and_why():
    first = Approval("maria", "a" * 40, (A.fingerprint,), "bounds checked", at=0.0)
    second = Approval("octo", "b" * 40, (B.fingerprint,), "", at=86400.0)
    text = summary(_outcome(A, B, records=[first, second]), RepoConfig(), draft=False)
    assert f"- @maria approved `{A.short_id}` at `aaaaaaa` (1970-01-01 00:00 UTC): bounds checked" in text
    assert f"- @octo approved `{B.short_id}` at `bbbbbbb` (1970-01-02 00:00 UTC) (no reason given)" in text
    assert text.index("@maria") < text.index("@octo")


async def test_records_round_trip_through_the_store_in_order(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/a.db")
    await store.open()
    try:
        await approvals.record(store, "o/r#1", Approval("maria", "a" * 40, (A.fingerprint, B.fingerprint), "ok", 5.0))
        await approvals.record(store, "o/r#1", Approval("octo", "b" * 40, (NOTE.fingerprint,), "", 6.0))
        await approvals.record(store, "o/r#2", Approval("x", "c" * 40, ("f",), "", 7.0))
        loaded = await approvals.load(store, "o/r#1")
    finally:
        await store.close()
    assert [a.login for a in loaded] == ["maria", "octo"]
    assert loaded[0] == Approval("maria", "a" * 40, (A.fingerprint, B.fingerprint), "ok", 5.0)
