"""Every `zhifa` command run without what it needs fails with one line saying what to do, exit code 2
and no traceback (issue #12 §5); the pseudonym key is never the public default (§2.11)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from zhifa import pseudonym
from zhifa.settings import Settings

NEW_PASSWORD = {"ZHIFA_NEW_PASSWORD": "long-enough-password"}
CASES = [
    # (command, environment added to a bare one, what the line must name)
    (["users", "create", "admin", "--unit", "410000", "--roles", "admin"], NEW_PASSWORD, "ZHIFA_SECRET_KEY"),
    (["catalog", "load", "."], {}, "ZHIFA_SECRET_KEY"),
    (["audit", "verify"], {}, "ZHIFA_SECRET_KEY"),
    (["serve", "api"], {}, "ZHIFA_SECRET_KEY"),
    (["quarantine", "export", "out.xlsx"], {}, "zhifa run"),
    (["import", "no-such-folder"], {}, "no-such-folder"),
    (["import", "[red]no-such[/x]"], {}, "[red]no-such[/x]"),  # printed as given, not as markup
    (["dashboards", "check"], {}, "zhifa run"),
    (["run"], {"ZHIFA_PSEUDONYM_KEY": "zhifa-dev-pseudonym-key"}, "ZHIFA_PSEUDONYM_KEY"),
    (["run"], {"ZHIFA_HOME": "/dev/null/zhifa"}, "ZHIFA_HOME"),
    (
        ["users", "create", "admin", "--unit", "410000", "--roles", "admin"],
        {
            **NEW_PASSWORD,
            "ZHIFA_SECRET_KEY": "k" * 40,
            "ZHIFA_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x",
        },
        "ZHIFA_DATABASE_URL",
    ),
    (
        ["audit", "verify"],
        {"ZHIFA_SECRET_KEY": "k" * 40, "ZHIFA_MAX_BAD_ROW_SHARE": "lots"},
        "max_bad_row_share",
    ),
]


@pytest.mark.parametrize("args, env, names", CASES, ids=lambda c: " ".join(c) if isinstance(c, list) else "")
def test_command_without_its_environment_fails_in_one_line(
    tmp_path: Path, args: list[str], env: dict[str, str], names: str
) -> None:
    bare = {k: v for k, v in os.environ.items() if not k.startswith("ZHIFA_")}
    bare |= {"ZHIFA_HOME": str(tmp_path / "home"), "COLUMNS": "200", **env}
    cmd = [sys.executable, "-m", "cli", *args]
    done = subprocess.run(cmd, env=bare, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert names in lines[0] and "Traceback" not in done.stderr + done.stdout


def test_pseudonym_key_is_generated_once_private_and_never_the_public_default(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", pseudonym_key=None)  # not the test suite's key
    key, created = pseudonym.resolve(settings)
    assert created and len(key) >= 40
    assert stat.S_IMODE(settings.pseudonym_key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.pseudonym_key_path.parent.stat().st_mode) == 0o700
    assert pseudonym.resolve(settings) == (key, False)  # the next run keeps it
    assert pseudonym.resolve(Settings(home=tmp_path / "home", pseudonym_key="own-secret-key")) == (
        "own-secret-key",
        False,
    )
    with pytest.raises(pseudonym.PseudonymKeyError):
        pseudonym.resolve(Settings(home=tmp_path / "other", pseudonym_key="zhifa-dev-pseudonym-key"))


def test_dbt_models_refuse_to_run_without_a_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(pseudonym.ENV, raising=False)
    monkeypatch.setenv("ZHIFA_HOME", str(tmp_path / "home"))  # a home with no stored key
    with pytest.raises(pseudonym.PseudonymKeyError, match="ZHIFA_PSEUDONYM_KEY"):
        pseudonym.from_env()
    monkeypatch.setenv(pseudonym.ENV, "zhifa-dev-pseudonym-key")
    with pytest.raises(pseudonym.PseudonymKeyError):
        pseudonym.from_env()
