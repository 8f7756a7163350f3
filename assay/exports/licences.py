"""The licences a project can declare for what its experts create."""

from __future__ import annotations

from assay.errors import InvalidInput

LICENCES = {
    "requester-training": "Training and evaluation by the requesting organization only",
    "requester-any": "Any use by the requesting organization, no redistribution",
    "cc-by-4.0": "Creative Commons Attribution 4.0 (CC BY 4.0)",
    "cc-by-sa-4.0": "Creative Commons Attribution-ShareAlike 4.0 (CC BY-SA 4.0)",
    "cc0-1.0": "Public domain dedication (CC0 1.0)",
    "custom": "The project's own terms, shown below",
}


def licence_name(code: str) -> str:
    return LICENCES.get(code, code)


def check_licence(code: str) -> str:
    if code not in LICENCES:
        raise InvalidInput(
            f"Choose a licence from: {', '.join(LICENCES)}.",
            code="unknown_licence",
            details=[{"field": "licence", "message": "unknown licence"}],
        )
    return code
