"""Slash-command parsing: what counts as a command and what is only quoted or shown as code."""

from __future__ import annotations

from bot.slash import new_commands, parse_commands


def verbs(body: str) -> list[tuple[str, tuple[str, ...], str]]:
    return [(c.verb, c.args, c.reason) for c in parse_commands(body) if c.ok]


def test_approve_all_with_reason():
    assert verbs("/blindspot approve all -- read the FFI shims") == [("approve", ("all",), "read the FFI shims")]


def test_approve_ids_and_case_insensitive_prefix():
    assert verbs("LGTM\n/Blindspot approve BS-1a2b3c4 BS-9f9f9f9") == [
        ("approve", ("BS-1a2b3c4", "BS-9f9f9f9"), "")]


def test_command_in_fenced_code_is_ignored():
    body = "Type this:\n```\n/blindspot approve all\n```\n"
    assert verbs(body) == []


def test_command_in_tilde_fence_and_indented_code_is_ignored():
    assert verbs("~~~~\n/blindspot approve all\n~~~~") == []
    assert verbs("example:\n\n    /blindspot approve all\n") == []


def test_command_in_inline_code_is_ignored():
    assert verbs("run `/blindspot approve all` when done") == []


def test_command_in_quoted_reply_is_ignored():
    assert verbs("> /blindspot approve all\n\nI disagree") == []


def test_command_in_html_comment_is_ignored():
    assert verbs("<!-- /blindspot approve all -->\nthanks") == []
    assert verbs("<!--\n/blindspot approve all\n-->") == []


def test_text_after_a_fence_closes_is_seen():
    assert verbs("```rust\nlet x = 1;\n```\n/blindspot rereview") == [("rereview", (), "")]


def test_several_commands_each_run_once():
    body = "/blindspot explain BS-1234567\n/blindspot rereview\n/blindspot rereview"
    assert verbs(body) == [("explain", ("BS-1234567",), ""), ("rereview", (), "")]


def test_bare_prefix_means_help():
    assert verbs("/blindspot") == [("help", (), "")]


def test_unknown_and_malformed_commands_carry_a_reason():
    cmds = parse_commands("/blindspot aprove all\n/blindspot explain\n/blindspot approve")
    assert [c.ok for c in cmds] == [False, False, False]
    assert "unknown command `aprove`" in cmds[0].error
    assert "one finding id" in cmds[1].error
    assert "needs `all` or finding ids" in cmds[2].error


def test_mid_sentence_mention_is_not_a_command():
    assert verbs("I think /blindspot approve all is premature") == []


def test_edit_adding_a_command_runs_only_the_new_one():
    old = "/blindspot explain BS-1234567"
    new = "/blindspot explain BS-1234567\n/blindspot approve all -- ok"
    assert [(c.verb, c.args) for c in new_commands(old, new)] == [("approve", ("all",))]


def test_edit_that_keeps_a_command_does_not_rerun_it():
    old = "/blindspot approve all -- ok"
    assert new_commands(old, old + "\n\ntypo fixed") == []


def test_crlf_bodies_parse():
    assert verbs("hello\r\n/blindspot help\r\n") == [("help", (), "")]
