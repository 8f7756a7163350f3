"""Credential rules with no I/O: currency, default verification length, evidence sniffing."""

from __future__ import annotations

import datetime as dt

VERIFICATION_DAYS = 365
EXPIRY_WARNING_DAYS = 30
MAX_EVIDENCE_FILES = 5
MAX_NOTE_CHARS = 1024

# Magic bytes of the only evidence types accepted. The file name and the type the
# browser declares are ignored: both are chosen by the uploader.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
SNIFF_BYTES = max(len(magic) for magic, _ in _SIGNATURES)
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


def sniff_content_type(head: bytes) -> str | None:
    """The evidence type the file's first bytes show, or None if it is not allowed."""
    for magic, content_type in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def is_current(
    *, status: str, verified_until: dt.date | None, expires_on: dt.date | None, today: dt.date
) -> bool:
    if status != "verified" or verified_until is None or verified_until < today:
        return False
    return expires_on is None or expires_on >= today


def default_verified_until(*, expires_on: dt.date | None, today: dt.date) -> dt.date:
    """A verification lasts a year, never past the document's own expiry."""
    limit = today + dt.timedelta(days=VERIFICATION_DAYS)
    return limit if expires_on is None else min(expires_on, limit)


def effective_end(*, verified_until: dt.date | None, expires_on: dt.date | None) -> dt.date | None:
    """The day a verified credential stops counting: the earlier of its two end dates."""
    ends = [day for day in (verified_until, expires_on) if day is not None]
    return min(ends) if ends else None


def expiry_warning_due(
    *, verified_until: dt.date | None, expires_on: dt.date | None, today: dt.date
) -> bool:
    end = effective_end(verified_until=verified_until, expires_on=expires_on)
    return end is not None and end <= today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
