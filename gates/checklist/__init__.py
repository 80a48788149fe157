"""Loading ``checklist.yml``: :func:`load` is the one public entry."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from gates.checklist.model import Checklist, GateSpec, Waiver
from gates.checklist.validate import build
from gates.checklist.yaml_nodes import load_yaml
from gates.errors import ChecklistError
from gates.io.safe import decode_utf8

MAX_CHECKLIST_BYTES = 1024 * 1024


def load(
    path: Path,
    *,
    environment: str | None = None,
    stage: str | None = None,
    selected: set[str] | None = None,
    environ: Mapping[str, str] | None = None,
    today: date | None = None,
) -> Checklist:
    """Read, expand, overlay and validate a checklist; any problem is a ChecklistError."""
    env = dict(os.environ if environ is None else environ)
    if environment is not None:
        env["GATES_ENV"] = environment
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ChecklistError("checklist not found", path=str(path)) from None
    except OSError as exc:
        raise ChecklistError(f"cannot read checklist: {exc.strerror}", path=str(path)) from None
    if len(data) > MAX_CHECKLIST_BYTES:
        raise ChecklistError("checklist is larger than 1 MiB", path=str(path))
    try:
        text = decode_utf8(data, str(path))
    except Exception as exc:
        raise ChecklistError(str(exc), path=str(path)) from None
    raw, marks = load_yaml(text, str(path), env)
    return build(
        raw,
        marks,
        sha256=hashlib.sha256(data).hexdigest(),
        environment=environment,
        stage=stage,
        selected=selected,
        today=today,
    )


__all__ = ["Checklist", "GateSpec", "Waiver", "load"]
