"""The deploy sections of a checklist: ``rollback:`` and ``notify:`` (models in ``deploy.py``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from gates.checklist.common import expect_mapping, suggest
from gates.checklist.deploy import NotifyTarget, RollbackSpec
from gates.checklist.gate_options import pydantic_errors
from gates.checklist.model import GateSpec
from gates.checklist.yaml_nodes import KeyPath, Marks, find_unresolved, settle


def _under(at: KeyPath) -> Callable[[KeyPath], KeyPath]:
    return lambda path: (*at, *path)


def deploy_sections(
    root: Mapping[str, Any], gates: Mapping[str, GateSpec], marks: Marks, stage: str | None
) -> tuple[RollbackSpec | None, tuple[NotifyTarget, ...]]:
    """``rollback:`` (used by post-deploy runs) and ``notify:`` (used by every run)."""
    rollback = None
    if root.get("rollback") is not None:
        raw = expect_mapping(root["rollback"], ("rollback",), marks, "rollback")
        if stage == "post-deploy":
            _refuse_unresolved(raw, ("rollback",), marks)
        data = settle(raw)
        try:
            rollback = RollbackSpec.model_validate(data)
        except ValidationError as exc:
            raise pydantic_errors(exc, data, _under(("rollback",)), marks, RollbackSpec) from None
        for index, gate_id in enumerate(rollback.verify):
            if gate_id not in gates:
                raise marks.error(
                    f"rollback verify names unknown gate '{gate_id}'",
                    ("rollback", "verify", index),
                    suggest(gate_id, gates),
                )
    notify: list[NotifyTarget] = []
    raw_list = root.get("notify")
    if raw_list is not None and not isinstance(raw_list, list):
        raise marks.error("notify must be a list of {webhook, format, on}", ("notify",))
    for index, entry in enumerate(raw_list or []):
        at: KeyPath = ("notify", index)
        item = expect_mapping(entry, at, marks, "a notify entry")
        if stage is not None:  # `gates validate` / `gates list` send nothing
            _refuse_unresolved(item, at, marks)
        data = settle(item)
        try:
            notify.append(NotifyTarget.model_validate(data))
        except ValidationError as exc:
            raise pydantic_errors(exc, data, _under(at), marks, NotifyTarget) from None
    return rollback, tuple(notify)


def _refuse_unresolved(raw: Any, at: KeyPath, marks: Marks) -> None:
    unresolved = find_unresolved(raw, at)
    if unresolved:
        path, value = unresolved[0]
        raise marks.error(
            f"environment variable {', '.join(value.missing)} is not set (write "
            f"${{{value.missing[0]}:-default}} for a default)",
            path,
        )
