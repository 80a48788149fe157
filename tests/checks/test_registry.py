"""The registry of gate types: where each type's options model is, and that it is the model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import gates.checks as checks_package
from gates.checks import CHECKS, GATE_TYPES, OPTIONS, REPORTS_SECRETS
from gates.checks.base import OptionsBase


@pytest.mark.parametrize("gate_type", list(GATE_TYPES))
def test_the_options_a_checklist_is_validated_with_are_the_gate_types_own(gate_type: str) -> None:
    """``OPTIONS`` (what loading a checklist imports) and ``CHECKS`` (the gate) agree: a model
    named in the registry but not the one the gate evaluates would pass options it ignores."""
    assert OPTIONS[gate_type] is CHECKS[gate_type].options
    assert issubclass(OPTIONS[gate_type], OptionsBase)


def test_an_unknown_type_is_not_in_either_registry() -> None:
    assert "comand" not in OPTIONS and "comand" not in CHECKS
    with pytest.raises(KeyError):
        OPTIONS["comand"]
    assert list(OPTIONS) == list(CHECKS) == list(GATE_TYPES)


def test_the_types_the_runner_starts_first_are_those_that_report_secrets() -> None:
    """The runner reads ``REPORTS_SECRETS`` (without importing the gates): it is exactly the
    gate types whose code hands found values to its outcome (``secrets=``,
    ``.secrets.append``/``extend``), none missing and none listed that cannot report one."""
    package = Path(checks_package.__file__).parent
    handing = set()
    for source in package.rglob("*.py"):
        text = source.read_text("utf-8")
        if re.search(r"\bsecrets=|\.secrets\.(?:append|extend)\(|\.secrets \+=", text):
            relative = source.relative_to(package)
            handing.add(relative.parts[0] if len(relative.parts) > 1 else relative.stem)
    handing.discard("base")  # GateOutcome's own field
    assert handing == REPORTS_SECRETS
