"""Settings read from ``ASSAY_*`` environment variables.

Every variable is declared once in ``SETTINGS`` with its default and meaning;
``docs/settings.md`` documents each and a test keeps the two in step.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

PREFIX = "ASSAY_"


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", "sqlite:///assay.sqlite3", "Database to use."),
    Setting("SECRET_KEY", "", "Key for signing sessions and CSRF tokens."),
    Setting("DEBUG", "false", "Show debug pages on errors. Never in production."),
    Setting("ALLOWED_HOSTS", "127.0.0.1,localhost", "Host names the server answers."),
    Setting("CSRF_TRUSTED_ORIGINS", "", "Origins allowed to post forms, comma-separated."),
    Setting("SECURE_COOKIES", "false", "Send session and CSRF cookies over HTTPS only."),
    Setting("MAX_UPLOAD_MB", "100", "Largest item file accepted, in megabytes."),
    Setting("PAY_FLOOR_PER_HOUR", "12.00", "Lowest hourly rate work may be offered at."),
    Setting("CURRENCY", "USD", "Currency of pay, as an ISO 4217 code."),
    Setting("LEASE_MIN_MINUTES", "10", "Shortest lease on a task, in minutes."),
    Setting("LEASE_FACTOR", "3", "Lease length as a multiple of the estimated minutes."),
    Setting("DATA_DIR", ".", "Folder for the SQLite file, the secret key and evidence files."),
    Setting("BASE_URL", "http://127.0.0.1:8000", "Public address used in links sent by email."),
    Setting("EMAIL_BACKEND", "console", "How email is sent: console or smtp."),
    Setting("EMAIL_FROM", "Assay <assay@localhost>", "Sender of alert emails."),
    Setting("SMTP_HOST", "localhost", "SMTP server, when EMAIL_BACKEND is smtp."),
    Setting("SMTP_PORT", "587", "SMTP port."),
    Setting("SMTP_USER", "", "SMTP user name."),
    Setting("SMTP_PASSWORD", "", "SMTP password."),
    Setting("SMTP_TLS", "true", "Use STARTTLS with the SMTP server."),
    Setting("MAX_EVIDENCE_MB", "10", "Largest credential evidence file, in megabytes."),
    Setting("POOL_MIN", "5", "Experts a project pool always admits, whatever the demand."),
    Setting(
        "POOL_HOURS_PER_EXPERT", "4", "Hours of remaining work that justify one more admission."
    ),
    Setting("PLATFORM_FEE_PERCENT", "10", "Platform fee charged to requesters on top of pay."),
    Setting("AUTO_APPROVE_DAYS", "7", "Days after which an undecided submission is approved."),
    Setting(
        "TOPUP_AFTER_SUBMISSIONS", "20", "Submissions before real times are checked against pay."
    ),
    Setting("PAYOUT_MINIMUM", "10.00", "Smallest available balance a payout run pays out."),
    Setting("APPEAL_ACKNOWLEDGE_DAYS", "2", "Days within which an appeal is acknowledged."),
    Setting("APPEAL_DECIDE_DAYS", "7", "Days within which an appeal is decided with reasons."),
    Setting("MIN_EVIDENCE", "5", "Evidence items a suspension or removal must cite."),
    Setting("NOTICE_DAYS", "7", "Days of notice before an algorithm change takes effect."),
)

_DEFAULTS = {s.name: s.default for s in SETTINGS}


class ConfigError(ValueError):
    """An environment variable holds a value Assay cannot use."""


def raw(name: str, env: Mapping[str, str] | None = None) -> str:
    source = os.environ if env is None else env
    if name not in _DEFAULTS:
        raise KeyError(name)
    return source.get(PREFIX + name, _DEFAULTS[name])


def as_bool(name: str, env: Mapping[str, str] | None = None) -> bool:
    value = raw(name, env).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{PREFIX}{name} must be true or false, not {value!r}")


def as_int(name: str, env: Mapping[str, str] | None = None, *, minimum: int = 0) -> int:
    value = raw(name, env)
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{PREFIX}{name} must be at least {minimum}")
    return number


def as_cents(name: str, env: Mapping[str, str] | None = None) -> int:
    """An amount such as 12.00 as integer minor units."""
    from assay.domain.pay import parse_money

    value = raw(name, env)
    try:
        return parse_money(value)
    except ValueError:
        raise ConfigError(
            f"{PREFIX}{name} must be an amount such as 12.00, not {value!r}"
        ) from None


def as_list(name: str, env: Mapping[str, str] | None = None) -> list[str]:
    return [part.strip() for part in raw(name, env).split(",") if part.strip()]


def database_from_url(url: str, data_dir: Path) -> dict[str, Any]:
    """Translate ``ASSAY_DATABASE_URL`` into a Django ``DATABASES`` entry."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = Path(unquote(parts.path.removeprefix("/")))
        if not path.is_absolute():
            path = data_dir / path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            # A file, not memory, so tests with threads share one real database.
            "TEST": {"NAME": str(path.with_name(path.stem + "-test.sqlite3"))},
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    if parts.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.removeprefix("/")) or "assay",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ConfigError(
        f"{PREFIX}DATABASE_URL must start with sqlite:/// or postgres://, not {parts.scheme!r}"
    )


def secret_key(data_dir: Path, env: Mapping[str, str] | None = None) -> str:
    """The configured key, or one generated once and kept beside the data."""
    configured = raw("SECRET_KEY", env)
    if configured:
        return configured
    key_file = data_dir / ".assay_secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key
