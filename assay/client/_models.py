"""What the SDK returns: plain, typed, immutable records."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


def _pick(cls: Any, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    status: str
    overlap: int
    pay_cents: int
    currency: str
    estimated_minutes: int
    task_type: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Project:
        return cls(**_pick(cls, data))


@dataclass(frozen=True)
class Progress:
    items: int
    done: int
    in_progress: int
    waiting: int
    judgments: int

    @property
    def complete(self) -> bool:
        return self.items > 0 and self.done >= self.items

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Progress:
        return cls(**_pick(cls, data))


@dataclass(frozen=True)
class ExportInfo:
    id: int
    project_id: int
    kind: str
    container: str
    options: dict[str, Any]
    licence: str
    records: int
    judgments: int
    download: str
    data_card: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExportInfo:
        return cls(**_pick(cls, data))
