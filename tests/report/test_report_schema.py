"""``gates schema --report`` and the strict reader agree: a report validates exactly when
``gates.report.codec.from_dict`` reads it (measured on every field of every object kind in the
recorded reports, each deleted, retyped or joined by an unknown field)."""

from __future__ import annotations

import copy
import dataclasses
import json
import types
import typing
from collections.abc import Iterator
from typing import Any, Union

import jsonschema
import pytest

from gates.errors import ReportError
from gates.model import Evidence, Finding, GateResult, Measurement, Report, Status, WaiverUse
from gates.report import codec
from gates.report.schema import report_schema
from tests.conftest import TESTS, run_gates

RECORDED = sorted((TESTS / "fixtures" / "reports").glob("*.json"))
VALIDATOR = jsonschema.Draft202012Validator(report_schema())


def _valid(data: Any) -> bool:
    return VALIDATOR.is_valid(data)


def _reads(data: Any) -> bool:
    try:
        codec.from_dict(data)
    except ReportError:
        return False
    return True


def test_schema_is_draft_2020_12_and_printed_by_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    jsonschema.Draft202012Validator.check_schema(report_schema())
    code, out, _ = run_gates(["schema", "--report"], capsys)
    assert code == 0
    printed = json.loads(out)
    assert printed == report_schema()
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert printed["properties"]["schema"] == {
        "const": "gates-report/1",
        "description": "report format version",
    }
    assert printed["$defs"]["Status"]["enum"] == [s.value for s in Status]
    assert printed["additionalProperties"] is False
    assert set(printed["required"]) >= {"verdict", "gates", "schema", "started_at"}
    # without --report it is still the checklist's schema
    code, out, _ = run_gates(["schema"], capsys)
    assert json.loads(out)["title"] == "gates checklist.yml"


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.name)
def test_recorded_reports_validate(path: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    errors = [e.message for e in VALIDATOR.iter_errors(data)]
    assert errors == []
    assert _reads(data)


def _dataclass_of(hint: Any) -> type | None:
    """The dataclass a field holds (directly, optionally, or as the items of a tuple)."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        for option in typing.get_args(hint):
            found = _dataclass_of(option)
            if found is not None:
                return found
        return None
    if origin is tuple:
        return _dataclass_of(typing.get_args(hint)[0])
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint
    return None


def _objects(
    data: Any, cls: type, path: tuple[Any, ...] = ()
) -> Iterator[tuple[type, tuple[Any, ...], dict[str, Any]]]:
    """Every JSON object of the report with the model class it encodes and its path."""
    if not isinstance(data, dict):
        return
    yield cls, path, data
    hints = typing.get_type_hints(cls)
    for name, value in data.items():
        inner = _dataclass_of(hints[name])
        if inner is None:
            continue
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from _objects(item, inner, (*path, name, index))
        else:
            yield from _objects(value, inner, (*path, name))


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


PROBES: tuple[Any, ...] = (None, "text", 7, 1.5, True, [], {}, ["text"], {"k": 1})


def _validator(cls: type) -> jsonschema.Draft202012Validator:
    schema = report_schema()
    if cls is Report:
        return VALIDATOR
    return jsonschema.Draft202012Validator(
        {"$defs": schema["$defs"], "$ref": f"#/$defs/{cls.__name__}"}
    )


def _reads_as(cls: type, data: Any) -> bool:
    if cls is Report:
        return _reads(data)
    try:
        codec._decode_dataclass(cls, data, cls.__name__)
    except ReportError:
        return False
    return True


def _mutations() -> Iterator[tuple[str, type, Any]]:
    """One of each object kind's fields at a time: deleted, set to each probe value; and an
    unknown field added to each object kind (the first occurrence of each kind in the
    recorded reports, which hold every kind the model has but few). Each mutated object is
    judged on its own: by its ``$defs`` entry and by the reader's decoder of its class."""
    seen: set[tuple[type, str]] = set()
    for recorded in RECORDED:
        original = json.loads(recorded.read_text(encoding="utf-8"))
        for cls, _path, whole in _objects(original, Report):
            # lists cut to their first item: the item kinds are judged on their own below
            obj = {k: v[:1] if isinstance(v, list) else v for k, v in whole.items()}
            if (cls, "+unknown") not in seen:
                seen.add((cls, "+unknown"))
                yield f"{cls.__name__}+surprise", cls, {**obj, "surprise": 1}
            for name in obj:
                if (cls, name) in seen:
                    continue
                seen.add((cls, name))
                yield f"{cls.__name__}-{name}", cls, {k: v for k, v in obj.items() if k != name}
                for probe in PROBES:
                    changed = {**obj, name: copy.deepcopy(probe)}
                    yield f"{cls.__name__}.{name}={probe!r}", cls, changed


def test_schema_and_reader_agree_on_every_field_mutation() -> None:
    disagreements = []
    accepted = refused = 0
    kinds = set()
    validators: dict[type, jsonschema.Draft202012Validator] = {}
    for label, cls, data in _mutations():
        kinds.add(cls)
        validator = validators.get(cls) or validators.setdefault(cls, _validator(cls))
        valid, reads = validator.is_valid(data), _reads_as(cls, data)
        accepted += reads
        refused += not reads
        if valid != reads:
            disagreements.append(f"{label}: schema {valid}, reader {reads}")
    assert disagreements == []
    # both answers occur often, on most of the model's kinds: the comparison measured something
    assert accepted > 50
    assert refused > 200
    assert {Report, GateResult, Finding, Measurement, Evidence, WaiverUse} <= kinds


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"verdict": "passed"}, False),
        ({"verdict": "warn"}, True),
        ({"schema": "gates-report/2"}, False),
        ({"interrupted": "yes"}, False),
        ({"duration_s": 3}, True),
        ({"duration_s": "3s"}, False),
    ],
)
def test_top_level_examples(change: dict[str, Any], expected: bool) -> None:
    data = json.loads(RECORDED[0].read_text(encoding="utf-8"))
    data.update(change)
    assert _valid(data) is expected
    assert _reads(data) is expected


def test_a_report_without_schema_is_refused_by_both() -> None:
    data = json.loads(RECORDED[0].read_text(encoding="utf-8"))
    del data["schema"]
    assert not _valid(data)
    assert not _reads(data)


@pytest.mark.invalid_reports
def test_the_conftest_hook_finds_invalid_reports(tmp_path: Any) -> None:
    """The hook in tests/conftest.py that checks every report a test writes: it finds a
    report by name (gate-report.json, a baseline's <commit>.json) at any depth, outside
    node_modules, and names the field; a valid one and other JSON files are not reported."""
    from tests import conftest

    good = json.loads(RECORDED[0].read_text(encoding="utf-8"))
    bad = {**good, "verdict": "passed"}
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "gate-report.json").write_text(json.dumps(bad))
    (tmp_path / "a" / ("e" * 40 + ".json")).write_text(json.dumps({**good, "surprise": 1}))
    (tmp_path / "gate-report.json").write_text(json.dumps(good))
    (tmp_path / "other.json").write_text(json.dumps(bad))
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "gate-report.json").write_text("{}")
    problems = conftest._report_problems(tmp_path)
    assert len(problems) == 2, problems
    assert any("a/b/gate-report.json: verdict: 'passed' is not one of" in p for p in problems)
    assert any("surprise" in p and "e" * 40 in p for p in problems)
    # checked once: unchanged files are not read again
    assert conftest._report_problems(tmp_path) == []
