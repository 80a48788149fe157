"""The registry of gate types: checklist ``type:`` → :class:`~gates.checks.base.Check`.

Explicit on purpose (one line per gate type, sorted): a newcomer finds every gate here. The
module of a type is ``gates/checks/<type>.py`` (or its package) and is imported the first time
the type is looked up in :data:`CHECKS`; loading a checklist looks up :data:`OPTIONS`, which
imports only the options model. So ``gates validate`` pays for the option models of the types a
checklist uses and nothing else (startup time is a target: see benchmarks/README.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any

from gates.checks.base import Check, OptionsBase

GATE_TYPES: Mapping[str, str] = {
    "analysis": "analysis.options:AnalysisOptions",
    "bundle": "bundle.options:BundleOptions",
    "command": "command:CommandOptions",
    "config": "config.options:ConfigOptions",
    "coverage": "coverage.options:CoverageOptions",
    "dependencies": "dependencies.options:DependenciesOptions",
    "headers": "headers:HeadersOptions",
    "lighthouse": "lighthouse.options:LighthouseOptions",
    "migrations": "migrations.options:MigrationsOptions",
    "sast": "sast:SastOptions",
    "secrets": "secrets.options:SecretsOptions",
    "smoke": "smoke.options:SmokeOptions",
    "tests": "tests:TestsOptions",
    "window": "window:WindowOptions",
}
"""Each type and where its options model is, under ``gates.checks``: loading a checklist needs
only the models (:data:`OPTIONS`), so it imports them alone, not the gate's evaluate with its
parsers and patterns (``tests/checks/test_registry.py`` checks each is its ``CHECK.options``)."""


class _Registry(Mapping[str, Check[Any]]):
    """A read-only mapping that imports ``gates.checks.<type>`` on first lookup."""

    def __init__(self, names: Mapping[str, str]) -> None:
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


class _OptionsRegistry(Mapping[str, type[OptionsBase]]):
    """A read-only mapping from type to options model, importing only the model's module."""

    def __init__(self, places: Mapping[str, str]) -> None:
        self._places = places
        self._loaded: dict[str, type[OptionsBase]] = {}

    def __getitem__(self, name: str) -> type[OptionsBase]:
        if name not in self._loaded:
            module_name, _, attribute = self._places[name].partition(":")
            module = importlib.import_module(f"gates.checks.{module_name}")
            model: type[OptionsBase] = getattr(module, attribute)
            self._loaded[name] = model
        return self._loaded[name]

    def __contains__(self, name: object) -> bool:
        return name in self._places

    def __iter__(self) -> Iterator[str]:
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._places)


OPTIONS: Mapping[str, type[OptionsBase]] = _OptionsRegistry(GATE_TYPES)
"""Type → options model: what ``gates validate`` and the run's checklist load need."""
