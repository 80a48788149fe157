"""The registry of gate types: where each type's options model is, and that it is the model."""

from __future__ import annotations

import pytest

from gates.checks import CHECKS, GATE_TYPES, OPTIONS
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
