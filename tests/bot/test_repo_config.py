"""bot/repo_config.py: defaults, valid settings, and errors that fall back to the defaults."""

from bot.repo_config import DEFAULT_LABEL, RepoConfig, parse


def test_absent_file_gives_defaults():
    assert parse(None) == RepoConfig()


def test_settings_are_read():
    cfg = parse(b"""
[families]
lock = false
[paths]
exclude = ["vendor/*"]
[label]
name = "unsafe-review"
[review]
max_inline_comments = 5
[check]
conclusion = "failure"
""")
    assert cfg.errors == ()
    assert cfg.options.families is not None and "lock" not in cfg.options.families
    assert "unsafe" in cfg.options.families
    assert cfg.options.exclude == ("vendor/*",)
    assert not cfg.options.path_selected("vendor/x.rs")
    assert (cfg.label, cfg.max_inline_comments, cfg.conclusion) == ("unsafe-review", 5, "failure")


def test_unknown_keys_and_bad_values_are_reported_and_defaults_used():
    cfg = parse(b'colour = "red"\n[check]\nconclusion = "explode"\n[families]\nmagic = true\n')
    assert cfg.label == DEFAULT_LABEL and cfg.conclusion == "action_required"
    text = "\n".join(cfg.errors)
    assert "`colour`: unknown key" in text
    assert "check.conclusion" in text
    assert "families.magic" in text


def test_invalid_toml_is_reported():
    cfg = parse(b"[paths\n")
    assert len(cfg.errors) == 1 and "not valid TOML" in cfg.errors[0]
