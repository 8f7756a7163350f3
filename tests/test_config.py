"""Settings come from ASSAY_* variables, and every one is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from assay import config
from assay.cli import main

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_sqlite_url_uses_wal_immediate_transactions_and_a_busy_timeout(tmp_path: Path) -> None:
    db = config.database_from_url("sqlite:///data/x.sqlite3", tmp_path)
    assert db["NAME"] == str(tmp_path / "data" / "x.sqlite3")
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert "busy_timeout" in db["OPTIONS"]["init_command"]
    assert config.database_from_url("sqlite:////abs/y.db", tmp_path)["NAME"] == "/abs/y.db"


def test_postgres_url_is_split_into_parts(tmp_path: Path) -> None:
    db = config.database_from_url("postgres://u:p%40ss@db.internal:6543/assay", tmp_path)
    assert (db["ENGINE"], db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "django.db.backends.postgresql",
        "assay",
        "u",
        "p@ss",
        "db.internal",
        "6543",
    )


def test_bad_values_are_explained(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="sqlite:/// or postgres://"):
        config.database_from_url("mysql://x/y", tmp_path)
    with pytest.raises(config.ConfigError, match="ASSAY_DEBUG"):
        config.as_bool("DEBUG", {"ASSAY_DEBUG": "maybe"})
    with pytest.raises(config.ConfigError, match="whole number"):
        config.as_int("MAX_UPLOAD_MB", {"ASSAY_MAX_UPLOAD_MB": "lots"})


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = config.secret_key(tmp_path, {})
    assert config.secret_key(tmp_path, {}) == first
    assert (tmp_path / ".assay_secret_key").stat().st_mode & 0o777 == 0o600
    assert config.secret_key(tmp_path, {"ASSAY_SECRET_KEY": "given"}) == "given"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text()
    missing = [s.name for s in config.SETTINGS if f"`ASSAY_{s.name}`" not in text]
    assert missing == []
    documented = set(re.findall(r"`ASSAY_([A-Z_]+)`", text))
    assert documented <= {s.name for s in config.SETTINGS}


def test_every_cli_command_and_option_is_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    assert isinstance(main, click.Group)
    for name, command in main.commands.items():
        assert f"assay {name}" in text
        for param in command.params:
            for option in getattr(param, "opts", []):
                assert f"`{option}`" in text, (name, option)
