"""bot/config.py and `blindspot serve` start-up errors: one clear line, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import ConfigError, load
from bot.demo import key_pair

KEY = key_pair()[0]
GOOD = {"BLINDSPOT_APP_ID": "1", "BLINDSPOT_PRIVATE_KEY": KEY, "BLINDSPOT_WEBHOOK_SECRET": "s"}


def test_defaults():
    s = load(GOOD)
    assert s.database_url == "sqlite:///blindspot.db" and s.github_url == "https://api.github.com"


@pytest.mark.parametrize(("change", "says"), [
    ({"BLINDSPOT_WEBHOOK_SECRET": ""}, "BLINDSPOT_WEBHOOK_SECRET"),
    ({"BLINDSPOT_PRIVATE_KEY": ""}, "BLINDSPOT_PRIVATE_KEY"),
    ({"BLINDSPOT_PRIVATE_KEY": "", "BLINDSPOT_PRIVATE_KEY_PATH": "/nonexistent/key.pem"}, "cannot read"),
    ({"BLINDSPOT_DATABASE_URL": "mysql://x"}, "BLINDSPOT_DATABASE_URL"),
    ({"BLINDSPOT_APP_ID": "abc"}, "BLINDSPOT_APP_ID"),
])
def test_bad_configuration_is_one_clear_error(change, says):
    with pytest.raises(ConfigError, match=says):
        load({**GOOD, **change})


def test_serve_refuses_to_start_without_a_secret_in_one_line():
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLINDSPOT_")}
    env.update({**GOOD, "BLINDSPOT_WEBHOOK_SECRET": ""})
    proc = subprocess.run([sys.executable, "-c", "import sys; from bot.serve import run_serve; sys.exit(run_serve())"],
                          env=env, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "BLINDSPOT_WEBHOOK_SECRET" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_serve_refuses_a_database_it_cannot_open_in_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLINDSPOT_")}
    env.update({**GOOD, "BLINDSPOT_DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/x.db", "PORT": "0"})
    proc = subprocess.run([sys.executable, "-c", "import sys; from bot.serve import run_serve; sys.exit(run_serve())"],
                          env=env, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert "cannot open the database" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
