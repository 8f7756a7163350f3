"""What a task type declares, and the defaults most types keep.

A type is a subclass of ``TaskType`` with class attributes (its schemas, templates,
aggregation and exports) and, where the defaults do not fit, a few small methods.
Its module ends with ``register(MyType())``; see ``assay/tasktypes/__init__.py``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping as AnyMapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

if TYPE_CHECKING:
    from assay.exports.registry import Mapping
    from assay.models import Item, Judgment, Project

Problems = dict[str, str]
COMMON_KEYS = (("Ctrl+Enter", "submit"), ("Shift+R", "return the task"))


class Schema(BaseModel):
    """Base of every item, judgment and config schema: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class NoConfig(Schema):
    """A type without project settings."""


def problems_of(error: ValidationError) -> Problems:
    """Field path ("criteria.0.score") to message, the first message per field."""
    found: Problems = {}
    for issue in error.errors():
        where = ".".join(str(part) for part in issue["loc"]) or "answer"
        message = str(issue["msg"])
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        found.setdefault(where, message)
    return found


class TaskType:
    """One kind of expert work. Subclasses set the class attributes below."""

    code: ClassVar[str]
    title: ClassVar[str]
    summary: ClassVar[str]
    # One upload row's own fields (besides id, metadata and gold), the judgment body's
    # ``answer``, and the project's ``task_config``.
    item_schema: ClassVar[type[Schema]]
    answer_schema: ClassVar[type[Schema]]
    config_schema: ClassVar[type[Schema]] = NoConfig
    # Which quality method combines several experts' judgments (shown in the wizard).
    aggregation: ClassVar[str] = ""
    # Adaptive redundancy (pairwise only today).
    adaptive: ClassVar[bool] = False
    # Keyboard shortcuts shown beside the form: (keys, what they do).
    keys: ClassVar[tuple[tuple[str, str], ...]] = ()
    # A config the wizard starts from (shown as the example).
    example_config: ClassVar[dict[str, Any]] = {}
    example_item: ClassVar[dict[str, Any]] = {}
    order: ClassVar[int] = 100

    # Templates and script -------------------------------------------------------------

    @property
    def all_keys(self) -> tuple[tuple[str, str], ...]:
        """The type's shortcuts and the ones every form has."""
        return (*self.keys, *COMMON_KEYS)

    @property
    def example_config_json(self) -> str:
        return json.dumps(self.example_config, indent=2)

    @property
    def example_item_json(self) -> str:
        return json.dumps(self.example_item, indent=2)

    @property
    def form_template(self) -> str:
        """The expert's form (inside the task page's <form>)."""
        return f"assay/tasktypes/{self.code}.html"

    @property
    def view_template(self) -> str:
        """The item and a stored answer, read-only (the review page)."""
        return f"assay/tasktypes/{self.code}_view.html"

    @property
    def script(self) -> str:
        """The form's JavaScript under assay/static/ ('' for none)."""
        return f"assay/tasktypes/{self.code}.js"

    @property
    def doc(self) -> str:
        return f"docs/tasktypes/{self.code}.md"

    def exports(self) -> tuple[Mapping, ...]:
        """Export mappings registered under this type's code."""
        return ()

    # Validation -----------------------------------------------------------------------

    def parse_config(self, raw: AnyMapping[str, Any] | None) -> Schema:
        return self.config_schema.model_validate(dict(raw or {}))

    def config_problems(self, raw: AnyMapping[str, Any] | None) -> Problems:
        try:
            self.parse_config(raw)
        except ValidationError as error:
            return problems_of(error)
        return {}

    def item_fields(self) -> tuple[str, ...]:
        """The upload columns this type reads (CSV columns beyond these are metadata)."""
        return tuple(self.item_schema.model_fields)

    def parse_item(self, record: AnyMapping[str, Any]) -> Schema:
        """One upload row's own fields, validated; raises ValidationError."""
        return self.item_schema.model_validate(dict(record))

    def check_answer(self, item: Any, config: Any, answer: Any) -> Problems:
        """Checks that need the item or the project's config (the schema did the rest)."""
        return {}

    def parse_answer(self, item: Any, config: Any, raw: AnyMapping[str, Any]) -> Schema:
        """The validated answer; raises ``InvalidInput`` naming every wrong field."""
        from assay.errors import InvalidInput

        try:
            answer = self.answer_schema.model_validate(dict(raw))
        except ValidationError as error:
            problems = problems_of(error)
        else:
            problems = self.check_answer(item, config, answer)
            if not problems:
                return answer
        raise InvalidInput(
            "Please complete the judgment.",
            code="invalid_judgment",
            details=[{"field": name, "message": text} for name, text in problems.items()],
        )

    # Storage --------------------------------------------------------------------------

    def prompt_text(self, item: Any) -> str:
        """Plain text stored in ``Item.prompt`` (lists, search, copy-paste signals)."""
        return str(getattr(item, "prompt", "") or "")

    def item_columns(self, item: Any) -> dict[str, Any]:
        return {"prompt": self.prompt_text(item), "data": item.model_dump(mode="json")}

    def load_item(self, item: Item) -> Any:
        return self.item_schema.model_validate(item.data or {})

    def config_of(self, project: Project) -> Any:
        return self.parse_config(project.task_config)

    def judgment_columns(self, answer: Any) -> dict[str, Any]:
        return {"answer": answer.model_dump(mode="json"), "rationale": self.describe(answer)}

    def load_answer(self, judgment: Judgment) -> Any:
        return self.answer_schema.model_validate(judgment.answer or {})

    def describe(self, answer: Any) -> str:
        """One line for lists and the author's review page."""
        return ""

    def answer_from_form(self, form: AnyMapping[str, Any]) -> dict[str, Any]:
        """The answer a web form sent: its JavaScript keeps JSON in the ``answer`` field."""
        text = str(form.get("answer") or "")
        try:
            value = json.loads(text) if text else {}
        except json.JSONDecodeError:
            value = None
        if not isinstance(value, dict):
            from assay.errors import InvalidInput

            raise InvalidInput("The form sent no answer.", code="invalid_judgment")
        return value

    def form_context(self, item: Any, config: Any) -> dict[str, Any]:
        """What the form and view templates need besides ``item`` and ``config``."""
        return {}

    def view_context(self, item: Any, config: Any, answer: Any) -> dict[str, Any]:
        return self.form_context(item, config)
