"""What a toctou finding says and how it is graded: severity, confidence, message, identity, skips."""

from __future__ import annotations

from checks import AnalyzeOptions, Confidence, Severity, analyze_source
from checks import toctou as family
from checks.analysis import analyze_file
from checks.coverage import Coverage

OPTS = AnalyzeOptions(families=frozenset({"toctou"}))


def _findings(body: str, path: str = "src/lib.rs", options: AnalyzeOptions = OPTS):
    src = ("use std::fs::{self, File, OpenOptions, Permissions};\nuse std::path::Path;\n"
           "use std::os::unix::fs::PermissionsExt;\n" + body).encode()
    return analyze_source(path, src, options=options).findings


GUARDED = """
fn f(dest: &Path) -> std::io::Result<()> {
    if !dest.exists() {
        fs::create_dir(dest)?;
    }
    Ok(())
}
"""


def test_use_in_the_branch_the_check_decides_is_a_high_confidence_warning():
    [f] = _findings(GUARDED)
    assert (f.rule, f.severity, f.confidence) == ("toctou/check-then-use", Severity.WARNING, Confidence.HIGH)


def test_message_names_both_calls_the_path_the_attack_and_the_fix():
    [f] = _findings(GUARDED)
    assert "`dest.exists()`" in f.message and "`fs::create_dir(dest)`" in f.message
    assert "checks `dest`" in f.message
    assert "symlink" in f.message and "CWE-367" in f.message
    assert "Fix:" in f.message and "AlreadyExists" in f.message
    assert 2 <= f.message.count(". ") + 1 <= 4


def test_use_merely_later_in_the_function_is_a_low_confidence_note():
    [f] = _findings("""
fn f(p: &Path) -> std::io::Result<()> {
    if p.exists() {
        println!("replacing");
    }
    fs::write(p, b"x")
}
""")
    assert (f.severity, f.confidence) == (Severity.NOTE, Confidence.LOW)
    assert "later in the same function" in f.message


def test_check_then_remove_is_only_a_note():
    [f] = _findings("""
fn f(p: &Path) -> std::io::Result<()> {
    if p.exists() {
        fs::remove_file(p)?;
    }
    Ok(())
}
""")
    assert (f.severity, f.confidence) == (Severity.NOTE, Confidence.MEDIUM)


def test_path_under_tmp_raises_the_severity_and_says_why():
    [f] = _findings("""
fn f() -> std::io::Result<()> {
    let p = std::env::temp_dir().join("app.lock");
    if !p.exists() {
        File::create(&p)?;
    }
    Ok(())
}
""")
    assert f.severity == Severity.ERROR
    assert "world-writable directory" in f.message


def test_world_writable_mode_raises_the_severity():
    [f] = _findings("""
fn f(p: &Path) -> std::io::Result<()> {
    fs::create_dir(p)?;
    let mut perms = fs::metadata(p)?.permissions();
    perms.set_mode(0o777);
    fs::set_permissions(p, perms)
}
""")
    assert (f.rule, f.severity) == ("toctou/create-then-chmod", Severity.ERROR)
    assert "world-writable" in f.message


def test_private_mode_keeps_the_default_severity():
    [f] = _findings("""
fn f(p: &Path) -> std::io::Result<()> {
    fs::create_dir(p)?;
    fs::set_permissions(p, Permissions::from_mode(0o700))
}
""")
    assert (f.rule, f.severity) == ("toctou/create-then-chmod", Severity.WARNING)
    assert "`fs::create_dir(p)`" in f.message and "DirBuilderExt::mode" in f.message


def test_one_race_is_reported_once_by_the_most_specific_rule():
    found = _findings("""
fn f(p: &Path) -> std::io::Result<()> {
    if p.exists() {
        fs::remove_file(p)?;
    }
    File::create(p)?;
    Ok(())
}
""")
    assert [f.rule for f in found] == ["toctou/remove-then-create"]


def test_fingerprint_depends_on_the_two_calls_not_on_the_function_body():
    base = _findings(GUARDED)
    grown = _findings(GUARDED.replace("    Ok(())", "    println!(\"done\");\n    Ok(())"))
    assert [f.fingerprint for f in base] == [f.fingerprint for f in grown]
    other_use = _findings(GUARDED.replace("fs::create_dir(dest)", "fs::create_dir_all(dest)"))
    assert other_use[0].fingerprint != base[0].fingerprint


def test_test_code_and_build_scripts_are_skipped():
    assert _findings(GUARDED, path="tests/it.rs") == []
    assert _findings(GUARDED, path="build.rs") == []
    assert _findings("#[cfg(test)]\nmod tests {\n" + GUARDED + "}\n") == []
    assert _findings("#[tokio::test]\n" + GUARDED.replace("fn f", "async fn f")) == []


def test_configured_names_are_checks_and_uses():
    body = """
fn f(p: &Path, s: &Store) -> std::io::Result<()> {
    if !s.has_blob(p) {
        s.store_blob(p)?;
    }
    Ok(())
}
"""
    assert _findings(body) == []
    configured = AnalyzeOptions(families=frozenset({"toctou"}), toctou_checks=("has_blob",),
                                toctou_uses=("store_blob",))
    assert [f.rule for f in _findings(body, options=configured)] == ["toctou/check-then-use"]


def test_trigger_skips_files_without_a_first_half_and_sees_configured_checks():
    assert family.trigger(OPTS).search(b"fn f() { p.exists(); }")
    assert family.trigger(OPTS).search(b"fs::remove_file(p)")
    assert not family.trigger(OPTS).search(b"fn f() { std::fs::write(p, b\"\")?; File::open(q)?; }")
    configured = AnalyzeOptions(toctou_checks=("probe_path",))
    assert family.trigger(configured).search(b"if probe_path(p) {}")


def test_file_without_trigger_tokens_never_reaches_the_family():
    src = b"fn f(p: &Path) { std::fs::write(p, b\"\").unwrap(); }"
    assert analyze_file("src/a.rs", src, 2021, OPTS, Coverage()) == []


def test_query_captures_follow_the_family_naming_contract():
    import re

    captures = set(re.findall(r"@([\w.]+)", family.QUERY))
    assert captures and all(c.startswith("toctou.") for c in captures)
