"""The two helpers every gate's tests share: a gate context, and one gate run through the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from gates.checks.base import GateContext
from tests.conftest import load_report, run_gates


def gate_context(gate_id: str, root: Path, *, timeout: float = 120, **fields: Any) -> GateContext:
    """The context the runner would give gate ``gate_id`` of a project in ``root``.

    Reports go to ``root / "reports"`` unless ``out_dir`` is given; any other
    :class:`GateContext` field (``url``, ``env_name``, ``environ``, ``baseline``…) can be set.
    """
    fields.setdefault("out_dir", root / "reports")
    return GateContext(gate_id=gate_id, root=root, timeout=timeout, **fields)


def run_checklist(
    checklist: Path, out: Path, *extra: str, history: bool = False
) -> tuple[int, dict[str, Any]]:
    """``gates run`` in-process on ``checklist`` into ``out``: (exit code, the JSON report)."""
    argv = ["run", "--checklist", str(checklist), "--out", str(out), *extra]
    if not history:
        argv.append("--no-history")
    code, _, _ = run_gates(argv)
    return code, load_report(out)


def run_one_gate(
    root: Path,
    gate_id: str,
    spec: Mapping[str, Any] | str,
    out: Path | None = None,
    *extra: str,
    project: str = "t",
    history: bool = False,
) -> tuple[int, dict[str, Any]]:
    """Write a checklist with one gate (a mapping, or YAML text for the gate's body) and run it.

    The checklist file is named after ``out`` so several runs can share a project folder.
    """
    out = out or root / "reports"
    checklist = root / f"checklist.{out.name}.yml"
    if isinstance(spec, str):
        body = "".join(f"    {line}\n" for line in spec.splitlines())
        checklist.write_text(f"version: 1\nproject: {project}\ngates:\n  {gate_id}:\n{body}")
    else:
        document = {"version": 1, "project": project, "gates": {gate_id: dict(spec)}}
        checklist.write_text(yaml.safe_dump(document))
    return run_checklist(checklist, out, *extra, history=history)
