"""bot/repo_config.py: defaults, every key of the schema, errors with line numbers, the options mapping."""

import checks
from bot.repo_config import DEFAULT_LABEL, RepoConfig, parse, validation_comment
from checks.findings import Severity

TIKV_RS = b"""use std::sync::RwLock;
use crate::util::HandyRwLock;

pub struct Store {
    regions: RwLock<Vec<u64>>,
}

impl Store {
    pub fn split(&self) {
        if let Some(first) = self.regions.rl().first() {
            let id = *first;
            self.regions.wl().push(id + 1);
        }
    }
}
"""
"""TiKV's `rl()`/`wl()` wrappers, defined in another crate: only the config can teach them."""
FULL = b'''edition = 2024

[families]
ffi = false

[rules."lock/double-lock"]
severity = "note"
[rules."unsafe/undocumented-block"]
enabled = false

[paths]
include = ["src/**"]
exclude = ["src/vendor/*"]

[lock]
methods = ["rl", "wl"]

[toctou]
checks = ["path_is_there"]
uses = ["write_config"]

[review]
label = "unsafe-review"
comment_budget = 7
group_threshold = 3
summary_comment = true
draft = "skip"

[approve]
permission = "maintain"
teams = ["octo/rust-reviewers"]

[check]
conclusion = "failure"
'''


def test_absent_file_gives_defaults():
    cfg = parse(None)
    assert cfg == RepoConfig()
    assert (cfg.approve_permission, cfg.approve_teams, cfg.summary_comment) == ("write", (), False)
    assert (cfg.comment_budget, cfg.group_threshold, cfg.label) == (20, 5, DEFAULT_LABEL)


def test_every_key_of_the_schema_is_read():
    cfg = parse(FULL)
    assert cfg.errors == () and cfg.notes == ()
    o = cfg.options
    assert o.families == frozenset({"unsafe", "toctou", "lock"}) and o.edition == 2024
    assert o.severity == {"lock/double-lock": Severity.NOTE}
    assert o.disabled_rules == {"unsafe/undocumented-block"} and o.enabled_rules == frozenset()
    assert (o.include, o.exclude) == (("src/**",), ("src/vendor/*",))
    assert o.path_selected("src/a.rs") and not o.path_selected("src/vendor/a.rs") and not o.path_selected("b.rs")
    assert (o.lock_methods, o.toctou_checks, o.toctou_uses) == (("rl", "wl"), ("path_is_there",), ("write_config",))
    assert (cfg.label, cfg.comment_budget, cfg.group_threshold, cfg.summary_comment, cfg.draft) == (
        "unsafe-review", 7, 3, True, "skip")
    assert (cfg.approve_permission, cfg.approve_teams, cfg.conclusion) == ("maintain", ("octo/rust-reviewers",),
                                                                           "failure")


def test_issue_6_spellings_still_work_with_a_note_naming_the_new_key():
    cfg = parse(b'[label]\nname = "old-label"\n[review]\nmax_inline_comments = 5\n'
                b'[checks]\nlock_methods = ["rl"]\ntoctou_checks = ["a"]\ntoctou_uses = ["b"]\n')
    assert cfg.errors == ()
    assert (cfg.label, cfg.comment_budget, cfg.max_inline_comments) == ("old-label", 5, 5)
    assert (cfg.options.lock_methods, cfg.options.toctou_checks, cfg.options.toctou_uses) == (("rl",), ("a",), ("b",))
    assert cfg.notes[0] == "line 2: `label.name` is the old spelling of `review.label`; it still works"
    assert "line 4: `review.max_inline_comments` is the old spelling of `review.comment_budget`" in cfg.notes[1]


def test_unknown_keys_and_bad_values_are_reported_with_their_lines_and_defaults_used():
    cfg = parse(b'colour = "red"\n[check]\nconclusion = "explode"\n[families]\nmagic = true\n'
                b'[rules."lock/double-lock"]\nseverity = "fatal"\n[rules."lock/no-such-rule"]\nenabled = true\n'
                b'[review]\ncomment_budget = 500\nsummary_comment = "yes"\n[approve]\npermission = "read"\n'
                b'[lock]\nmethods = ["r l"]\n')
    assert cfg.label == DEFAULT_LABEL and cfg.conclusion == "action_required" and cfg.options.lock_methods == ()
    assert cfg.errors == (
        "line 1: `colour` unknown key (known: edition, rules, families, paths, lock, toctou, review, approve, "
        "check, label, checks)",
        "line 3: `check.conclusion` must be one of action_required, failure, neutral",
        "line 5: `families.magic` unknown key (known here: unsafe, ffi, toctou, lock)",
        'line 7: `rules."lock/double-lock".severity` must be one of error, warning, note',
        'line 8: `rules."lock/no-such-rule"` is not a rule id (the ids are listed in docs/rules/ and the README)',
        "line 11: `review.comment_budget` must be an integer from 0 to 50",
        "line 12: `review.summary_comment` must be true or false",
        "line 14: `approve.permission` must be one of write, maintain, admin",
        "line 16: `lock.methods` must be a list of Rust identifiers",
    )


def test_a_rule_given_a_value_instead_of_a_table_is_explained():
    cfg = parse(b'[rules]\n"lock/double-lock" = false\n')
    assert cfg.errors == ('line 2: `rules."lock/double-lock"` must be a table such as `[rules."lock/double-lock"]` '
                          'with `enabled` and/or `severity`',)


def test_invalid_toml_reports_tomllib_line_and_column():
    cfg = parse(b"[paths]\ninclude = = 2\n")
    assert len(cfg.errors) == 1 and "not valid TOML" in cfg.errors[0] and "line 2, column 11" in cfg.errors[0]


def test_configured_lock_methods_make_a_tikv_style_double_lock_appear():
    src = TIKV_RS
    plain = checks.analyze_source("src/lib.rs", src, 2021, parse(None).options).findings
    taught = checks.analyze_source("src/lib.rs", src, 2021,
                                   parse(b'[lock]\nmethods = ["rl", "wl"]\n').options).findings
    assert not [f for f in plain if f.rule == "lock/double-lock"]
    assert [f.line for f in taught if f.rule == "lock/double-lock"] == [12]


def test_a_severity_override_and_a_disabled_rule_change_the_findings():
    src = b"pub fn f(v: &[u8]) -> u8 {\n    unsafe { *v.get_unchecked(0) }\n}\n"
    rule = "unsafe/undocumented-block"
    [default] = [f for f in checks.analyze_source("src/lib.rs", src, 2021).findings if f.rule == rule]
    lowered = parse(f'[rules."{rule}"]\nseverity = "note"\n'.encode()).options
    off = parse(f'[rules."{rule}"]\nenabled = false\n'.encode()).options
    assert default.severity is not Severity.NOTE
    assert [f.severity for f in checks.analyze_source("src/lib.rs", src, 2021, lowered).findings if f.rule == rule] == [
        Severity.NOTE]
    assert [f for f in checks.analyze_source("src/lib.rs", src, 2021, off).findings if f.rule == rule] == []


def test_validation_comment_lists_the_errors_or_says_valid_now():
    bad = validation_comment(parse(b"[check]\nconclusion = 1\n"), "abcdef1234")
    good = validation_comment(parse(b"[check]\nconclusion = 'failure'\n"), "abcdef1234")
    assert "has 1 problem(s)" in bad and "- line 2: `check.conclusion` must be one of" in bad
    assert "valid now" in good and "abcdef1" in good and "<!-- blindspot:repo_config -->" in good


def test_docs_config_md_documents_every_key_of_the_schema():
    """docs/config.md is the reference: a key added to the schema without its docs fails here."""
    from pathlib import Path

    from bot.config_schema import MOVED, RULE_KEYS, TABLES

    doc = (Path(__file__).parents[2] / "docs/config.md").read_text()
    old = {key for key in MOVED}
    for table, keys in TABLES.items():
        for key in keys:
            if (table, key) not in old:
                assert f"[{table}]" in doc and f"| `{key}` |" in doc, (table, key)
    assert all(f"| `{key}` |" in doc for key in RULE_KEYS) and "### `edition`" in doc
    assert all(f"[{o[0]}] {o[1]}" in doc for o in old)
