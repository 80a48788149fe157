"""Plain data + marks → a typed :class:`Checklist`, or a :class:`ChecklistError` that says where.

Every message names file, line, column and key path; unknown keys get a did-you-mean from the
keys that are valid at that place. Environments are deep-merged over ``gates:`` before the gate
options are validated, so an overlay's typo is reported at the overlay's own line.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from gates.checklist.common import (
    Errors,
    check_keys,
    deep_merge,
    expect_id_list,
    expect_mapping,
    suggest,
)
from gates.checklist.gate_options import check_needs, gate_spec, parse_defaults
from gates.checklist.model import (
    DEFAULT_WAIVER_MAX_DAYS,
    ENVIRONMENT_KEYS,
    TOP_LEVEL_KEYS,
    Checklist,
    GateSpec,
)
from gates.checklist.policy import bad_numbers, check_overlay, floors, max_days
from gates.checklist.sections import deploy_sections
from gates.checklist.waiver_rules import waivers as parse_waivers
from gates.checklist.yaml_nodes import KeyPath, Marks, Unresolved, settle


def build(
    data: Any,
    marks: Marks,
    *,
    sha256: str,
    environment: str | None,
    stage: str | None,
    selected: set[str] | None = None,
    today: date | None = None,
) -> Checklist:
    """Validate the whole checklist for ``environment``; every error is reported, in file order.

    Unset variables are errors in every gate that this run will execute (its stage, its
    selection); in other gates they stay literal, so a pre-deploy run does not need
    ``DEPLOY_URL``. ``stage=None`` (``gates validate``, ``gates list``) runs nothing, so it needs
    no variable.
    """
    errors = Errors()
    root = expect_mapping(data, (), marks, "the checklist")
    for message, number_at in bad_numbers(root, ()):
        errors.add(marks.error(message, number_at))
    for key in root:
        if key not in TOP_LEVEL_KEYS:
            errors.add(marks.error(f"unknown key '{key}'", (key,), suggest(key, TOP_LEVEL_KEYS)))
    version = root.get("version", 1)
    if version != 1:
        errors.add(
            marks.error(
                f"unsupported checklist version {version!r} (this gates reads 1)", ("version",)
            )
        )
    project = root.get("project") or "project"
    if not isinstance(project, str):
        errors.add(marks.error("project must be a string", ("project",)))
        project = "project"
    defaults = errors.attempt(parse_defaults, root.get("defaults"), ("defaults",), marks) or {}
    max_days_value = errors.attempt(max_days, root.get("waiver_max_days"), marks)
    gates_raw = expect_mapping(root.get("gates"), ("gates",), marks, "gates")
    if not gates_raw:
        errors.add(marks.error("the checklist defines no gates", ("gates",)))
        errors.raise_any()
    require_at: list[KeyPath] = []
    base_require = errors.attempt(expect_id_list, root.get("require"), ("require",), marks) or []
    require_at += [("require", i) for i in range(len(base_require))]
    require = list(base_require)
    environments = (
        errors.attempt(
            expect_mapping, root.get("environments"), ("environments",), marks, "environments"
        )
        or {}
    )
    overlays: dict[str, dict[str, Any]] = {}
    for name, overlay in environments.items():
        at: KeyPath = ("environments", name)
        mapping = errors.attempt(expect_mapping, overlay, at, marks, f"environment '{name}'")
        if mapping is None:
            continue
        errors.attempt(check_keys, mapping, ENVIRONMENT_KEYS, at, marks)
        env_gates = (
            errors.attempt(expect_mapping, mapping.get("gates"), (*at, "gates"), marks, "gates")
            or {}
        )
        for gate_id, gate_overlay in env_gates.items():
            errors.attempt(check_overlay, gate_id, gate_overlay, gates_raw, (*at, "gates"), marks)
        overlays[name] = {k: v for k, v in env_gates.items() if k in gates_raw}
    selected_overlay: dict[str, Any] = {}
    env_name_at: KeyPath = ()
    if environment is not None:
        if environment not in environments:
            errors.add(
                marks.error(
                    f"environment '{environment}' is not defined",
                    ("environments",),
                    suggest(environment, environments)
                    if environments
                    else "define it under environments:",
                )
            )
            errors.raise_any()
        env_name_at = ("environments", environment)
        overlay = environments[environment] if isinstance(environments[environment], dict) else {}
        selected_overlay = overlays.get(environment, {})
        gates_raw = deep_merge(gates_raw, selected_overlay)
        env_require = (
            errors.attempt(expect_id_list, overlay.get("require"), (*env_name_at, "require"), marks)
            or []
        )
        require_at += [(*env_name_at, "require", i) for i in range(len(env_require))]
        require = require + env_require
        if "defaults" in overlay:
            env_defaults = errors.attempt(
                parse_defaults, overlay["defaults"], (*env_name_at, "defaults"), marks
            )
            defaults = {**defaults, **(env_defaults or {})}
    gates: dict[str, GateSpec] = {}
    for gate_id, spec in gates_raw.items():
        built = errors.attempt(
            gate_spec,
            gate_id,
            spec,
            defaults,
            marks,
            stage=stage,
            selected=selected,
            overlay_at=(*env_name_at, "gates", gate_id) if gate_id in selected_overlay else None,
            overlay=selected_overlay.get(gate_id),
        )
        if built is not None:
            gates[gate_id] = built
    for gate_id, where in zip(require, require_at, strict=True):
        if gate_id not in gates_raw:
            errors.add(
                marks.error(
                    f"required gate '{gate_id}' is not defined", where, suggest(gate_id, gates_raw)
                )
            )
    if environment is None:
        for name, overlay in environments.items():
            if not isinstance(overlay, dict):
                continue
            ids = errors.attempt(
                expect_id_list, overlay.get("require"), ("environments", name, "require"), marks
            )
            for index, gate_id in enumerate(ids or []):
                if gate_id not in gates_raw:
                    errors.add(
                        marks.error(
                            f"required gate '{gate_id}' is not defined",
                            ("environments", name, "require", index),
                            suggest(gate_id, gates_raw),
                        )
                    )
    for gate_id in dict.fromkeys(require):
        if gate_id in gates:
            for message, at, hint in floors(
                gate_id, gates[gate_id], gates_raw, selected_overlay, environment, defaults
            ):
                errors.add(marks.error(message, at, hint))
    if len(gates) == len(gates_raw):
        errors.attempt(check_needs, gates, marks)
    waivers = errors.attempt(
        parse_waivers,
        root.get("waivers"),
        gates,
        gates_raw,
        marks,
        today=today or datetime.now(UTC).date(),
        max_days=DEFAULT_WAIVER_MAX_DAYS if max_days_value is None else max_days_value,
    )
    sections = errors.attempt(deploy_sections, root, gates, marks, stage)
    rollback, notify = sections if sections is not None else (None, ())
    errors.raise_any()
    return Checklist(
        path=marks.path,
        sha256=sha256,
        project=project,
        version=1,
        environment=environment,
        environments=tuple(environments),
        gates=gates,
        require=tuple(dict.fromkeys(require)),
        waivers=waivers or (),
        rollback=rollback,
        notify=notify,
        raw=settle({**root, "gates": gates_raw}),
    )


__all__ = ["Unresolved", "build", "deep_merge", "suggest"]
