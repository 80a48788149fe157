"""The registry of gate types: checklist ``type:`` → :class:`~gates.checks.base.Check`.

Explicit on purpose (one line per gate type, sorted): a newcomer finds every gate here. The
module of a type is ``gates/checks/<type>.py`` and is imported the first time the type is looked
up, so ``gates validate`` and ``gates run`` pay only for the gate types a checklist uses
(startup time is a target: see benchmarks/README.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any

from gates.checks.base import Check

GATE_TYPES: tuple[str, ...] = (
    "analysis",
    "bundle",
    "command",
    "config",
    "coverage",
    "dependencies",
    "headers",
    "lighthouse",
    "migrations",
    "sast",
    "secrets",
    "smoke",
    "tests",
    "window",
)


class _Registry(Mapping[str, Check[Any]]):
    """A read-only mapping that imports ``gates.checks.<type>`` on first lookup."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self._names = names
        self._loaded: dict[str, Check[Any]] = {}

    def __getitem__(self, name: str) -> Check[Any]:
        if name not in self._names:
            raise KeyError(name)
        if name not in self._loaded:
            module = importlib.import_module(f"gates.checks.{name}")
            check: Check[Any] = module.CHECK
            if check.type != name:  # the module name is the checklist type, by rule
                raise RuntimeError(f"gates.checks.{name} registers type {check.type!r}")
            self._loaded[name] = check
        return self._loaded[name]

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


CHECKS: Mapping[str, Check[Any]] = _Registry(GATE_TYPES)
