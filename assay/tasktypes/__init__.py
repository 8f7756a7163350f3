"""Task types: every kind of expert work is one small module in this package.

How to add a task type
======================

1. Create ``assay/tasktypes/<code>.py`` (a name without a leading underscore; modules
   starting with ``_`` are helpers). In it, subclass ``TaskType`` and set:

   - ``code`` (stored in ``Project.task_type``, at most 32 characters), ``title``,
     ``summary`` and ``aggregation`` (which quality method combines judgments);
   - ``item_schema``: one upload row's own fields (``id``, ``metadata`` and ``gold``
     are handled for every type); a pydantic model derived from ``Schema``;
   - ``answer_schema``: the judgment body's ``answer``;
   - ``config_schema`` (optional): the project's ``task_config`` (criteria, taxonomy...);
   - ``check_answer(item, config, answer)`` for checks that need the item or config;
   - ``exports()``: its ``assay.exports.registry.Mapping`` objects (the helpers in
     ``assay.tasktypes._exports`` build the usual per-judgment and per-item ones);
   - ``keys``: the keyboard shortcuts the form offers.

   Then end the module with ``register(MyType())``.
2. Add the form ``assay/templates/assay/tasktypes/<code>.html`` (rendered inside the
   task form; put the answer as JSON in a hidden ``answer`` input, kept current by the
   script), the read-only view ``<code>_view.html`` (the review page shows the item and
   the submitted answer with it) and, if the form needs one,
   ``assay/static/assay/tasktypes/<code>.js``. The shared ``assay/taskform.js``
   autosaves every named input per lease, restores it after a reload (then fires
   ``assay:restored`` on the form so the script can redraw), clears it on submit,
   and measures active time.
3. Write ``docs/tasktypes/<code>.md`` and link it from ``docs/tasktypes/index.md``.
4. Test it in ``tests/test_tasktypes_<code>.py`` (``tests/tasktypes_helpers.py`` has
   a project factory and upload helpers).

Nothing else changes: the project wizard and ``POST /api/projects`` accept the new
``task_type``, uploads are validated by its item schema, the task API and page serve
it, ``POST /api/tasks/{lease}/judgment`` validates ``answer`` with its schema, the
review page renders it, and its exports appear in the export menu.

Storage: pairwise keeps its texts in ``Item.prompt/response_a/response_b`` and its
answer in ``Judgment.choice/strength/rationale`` (the fast path it always had); every
other type stores its validated item in ``Item.data`` and its answer in
``Judgment.answer``, with a one-line summary in ``Judgment.rationale``.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading

from assay.errors import InvalidInput
from assay.tasktypes._base import NoConfig, Problems, Schema, TaskType, problems_of

__all__ = [
    "NoConfig",
    "Problems",
    "Schema",
    "TaskType",
    "all_types",
    "choices",
    "discover",
    "get",
    "problems_of",
    "register",
    "require",
]

_TYPES: dict[str, TaskType] = {}
_found: list[bool] = []
_lock = threading.RLock()


def register(task_type: TaskType) -> TaskType:
    """Make a type available everywhere; its export mappings join the export menu."""
    from assay.exports.registry import register as register_exports

    _TYPES[task_type.code] = task_type
    mappings = task_type.exports()
    if mappings:
        register_exports(task_type.code, *mappings)
    return task_type


def discover() -> None:
    """Import every type module of the package once (each registers itself)."""
    if _found:
        return
    with _lock:  # threads must not see a half-filled registry
        if _found:
            return
        for module in pkgutil.iter_modules(__path__):
            if not module.name.startswith("_"):
                importlib.import_module(f"{__name__}.{module.name}")
        _found.append(True)


def all_types() -> list[TaskType]:
    discover()
    return sorted(_TYPES.values(), key=lambda t: (t.order, t.code))


def get(code: str) -> TaskType | None:
    discover()
    return _TYPES.get(code)


def require(code: str) -> TaskType:
    found = get(code)
    if found is None:
        raise InvalidInput(
            f"Unknown task type {code!r}; choose one of: {', '.join(choices())}.",
            code="unknown_task_type",
        )
    return found


def choices() -> list[str]:
    return [t.code for t in all_types()]
