"""What a requester can ask of an export; checked once, before anything is read."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from assay.errors import raise_for_fields

CONTAINERS = ("jsonl", "parquet")
GRANULARITIES = ("item", "judgment")


@dataclass(frozen=True)
class ExportOptions:
    kind: str
    container: str = "jsonl"
    # "item": one row per item by majority; "judgment": one row per judgment (raw).
    granularity: str = "item"
    conversational: bool = False
    min_confidence: float = 0.0
    include_gold: bool = False
    provenance: bool = True
    # Empty means the project's own licence; another one needs the contributors' consent.
    licence: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_options(raw: dict[str, Any], *, kinds: tuple[str, ...]) -> ExportOptions:
    """Build options from a request, naming every field it gets wrong."""
    problems: dict[str, str] = {}
    known = set(ExportOptions.__dataclass_fields__)
    for name in sorted(set(raw) - known):
        problems[name] = "not an export option"
    kind = str(raw.get("kind", ""))
    if kind not in kinds:
        problems["kind"] = f"choose one of: {', '.join(kinds)}"
    container = str(raw.get("container", "jsonl"))
    if container not in CONTAINERS:
        problems["container"] = f"choose one of: {', '.join(CONTAINERS)}"
    granularity = str(raw.get("granularity", "item"))
    if granularity not in GRANULARITIES:
        problems["granularity"] = "choose item or judgment"
    try:
        threshold = float(raw.get("min_confidence", 0.0))
    except (TypeError, ValueError):
        threshold = -1.0
    if not 0.0 <= threshold <= 1.0:
        problems["min_confidence"] = "a number from 0 to 1"
    licence = str(raw.get("licence", "") or "")
    if len(licence) > 32:
        problems["licence"] = "a licence code of at most 32 characters"
    raise_for_fields(problems)
    return ExportOptions(
        kind=kind,
        container=container,
        granularity=granularity,
        conversational=bool(raw.get("conversational", False)),
        min_confidence=threshold,
        include_gold=bool(raw.get("include_gold", False)),
        provenance=bool(raw.get("provenance", True)),
        licence=licence,
    )
