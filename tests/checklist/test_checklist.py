"""Checklist loading: every bad input is exit 2 with file, line, column, key path and a hint."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gates import checklist as checklist_mod
from gates.checklist.model import GateSpec
from gates.checks.command import CommandOptions
from gates.errors import ChecklistError
from gates.units import parse_duration, parse_percent, parse_size
from tests.conftest import run_gates


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "checklist.yml"
    path.write_text(text)
    return path


SOON = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
"""A waiver expiry inside the default ``waiver_max_days`` (90) of the run day."""

GOOD = """\
version: 1
project: shop
defaults: {timeout: 2m}
environments:
  staging:
    gates:
      build: {timeout: 30s}
  production:
    require: [build, check]
    gates:
      check: {blocking: true}
gates:
  build:
    type: command
    run: echo build
  check:
    type: command
    run: echo ${GREETING:-hello}
    needs: [build]
    blocking: false
waivers:
  - {gate: check, match: X-1, reason: known false positive, owner: me@example.com,
     expires: SOON}
""".replace("SOON", SOON)


def _command(spec: GateSpec) -> CommandOptions:
    """A command gate's options, typed as such."""
    assert isinstance(spec.options, CommandOptions)
    return spec.options


def test_good_checklist_loads_with_defaults_and_overlay(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    base = checklist_mod.load(path, environ={})
    assert base.gates["build"].timeout == 120.0
    assert base.gates["check"].blocking is False
    assert _command(base.gates["check"]).run == "echo hello"
    staging = checklist_mod.load(path, environment="staging", environ={})
    assert staging.gates["build"].timeout == 30.0
    production = checklist_mod.load(path, environment="production", environ={"GREETING": "hi"})
    assert production.require == ("build", "check")
    assert production.gates["check"].blocking is True
    assert _command(production.gates["check"]).run == "echo hi"
    assert production.waivers[0].owner == "me@example.com"
    assert len(base.sha256) == 64


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gates:\n  a: {type: command, run: x\n", ":3:1: invalid YAML"),  # unclosed flow mapping
        ("gatez:\n  a: {type: command, run: x}\n", "did you mean 'gates'?"),
        ("gates:\n  a:\n    type: comand\n    run: x\n", "did you mean 'command'?"),
        ("gates:\n  a:\n    type: command\n    runn: x\n", "did you mean 'run'?"),
        ("gates:\n  a:\n    type: command\n    run: x\n    timeout: soon\n", "not a duration"),
        ("gates:\n  a:\n    type: command\n    run: x\n    blocking: maybe\n", "gates.a.blocking"),
        ("gates:\n  a:\n    type: command\n", "missing required key 'run'"),
        (
            "gates:\n  a: {type: command, run: x, needs: [b]}\n"
            "  b: {type: command, run: x, needs: [a]}\n",
            "cycle in needs",
        ),
        (
            "gates:\n  a: {type: command, run: x, needs: [bb]}\n  b: {type: command, run: x}\n",
            "needs unknown gate 'bb'",
        ),
        ("gates:\n  a: !!python/object/apply:os.system [echo pwned]\n", "not allowed"),
        ("gates:\n  a: {type: command, run: x}\n  a: {type: command, run: y}\n", "duplicate key"),
        ("require: [nope]\ngates:\n  a: {type: command, run: x}\n", "required gate 'nope'"),
        (
            "gates:\n  a: {type: command, run: x}\nwaivers:\n  - {gate: a, match: X}\n",
            "waiver needs",
        ),
        (
            "gates:\n  a: {type: command, run: x}\nwaivers:\n"
            "  - {gate: a, match: X, reason: r, owner: o, expires: someday}\n",
            "expires must be a date",
        ),
        ("version: 7\ngates:\n  a: {type: command, run: x}\n", "unsupported checklist version"),
        ("", "empty"),
    ],
)
def test_bad_checklists_name_the_place(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ChecklistError) as info:
        checklist_mod.load(path, environ={})
    message = str(info.value)
    assert expected in message
    assert message.startswith(str(path))


def test_error_position_points_at_the_bad_key(tmp_path: Path) -> None:
    path = write(tmp_path, "gates:\n  a:\n    type: command\n    run: x\n    tiemout: 5s\n")
    with pytest.raises(ChecklistError) as info:
        checklist_mod.load(path, environ={})
    error = info.value
    assert (error.line, error.column) == (5, 5)
    assert error.key_path == "gates.a.tiemout"
    assert error.hint == "did you mean 'timeout'?"


def test_unset_variable_in_a_gate_of_another_stage_is_not_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "gates:\n  a: {type: command, run: x}\n"
        "  live: {type: command, stage: post-deploy, run: 'curl ${DEPLOY_URL}'}\n",
    )
    loaded = checklist_mod.load(path, stage="pre-deploy", environ={})
    assert _command(loaded.gates["live"]).run == "curl ${DEPLOY_URL}"
    with pytest.raises(ChecklistError, match="DEPLOY_URL"):
        checklist_mod.load(path, stage="post-deploy", environ={})


def test_validate_and_list_need_no_variable_only_run_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "gates:\n  a:\n    type: command\n    run: echo ${NOPE_UNSET_VAR}\n"
        "  live: {type: command, stage: post-deploy, run: 'curl ${DEPLOY_URL}/health'}\n",
    )
    monkeypatch.delenv("NOPE_UNSET_VAR", raising=False)
    monkeypatch.delenv("DEPLOY_URL", raising=False)
    for command in (["validate", str(path)], ["list", str(path)]):
        code, _, err = run_gates(command, capsys)
        assert code == 0, err
    with pytest.raises(ChecklistError, match="NOPE_UNSET_VAR") as info:
        checklist_mod.load(path, stage="pre-deploy", environ={})
    assert info.value.line == 4
    argv = ["run", "--checklist", str(path), "--stage", "post-deploy", "--out", str(tmp_path / "r")]
    code, _, err = run_gates(argv, capsys)
    assert code == 2 and "DEPLOY_URL" in err


def test_unknown_environment_suggests_the_nearest(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    with pytest.raises(ChecklistError, match="did you mean 'production'"):
        checklist_mod.load(path, environment="prod", environ={})


def test_validate_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, GOOD)
    code, out, _ = run_gates(["validate", str(good)], capsys)
    assert code == 0 and "2 gates" in out
    bad = tmp_path / "bad.yml"
    bad.write_text("gates:\n  a:\n    type: command\n    runn: x\n")
    code, _, err = run_gates(["validate", str(bad)], capsys)
    assert code == 2
    assert f"{bad}:4:5: at 'gates.a.runn': unknown key 'runn'" in err
    assert "(did you mean 'run'?)" in err


def test_run_with_a_broken_checklist_runs_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "ran"
    path = write(
        tmp_path,
        f"gates:\n  a: {{type: command, run: 'touch {marker}'}}\n"
        "  b: {type: command, run: x, needs: [zz]}\n",
    )
    code, _, err = run_gates(
        ["run", "--checklist", str(path), "--out", str(tmp_path / "r")], capsys
    )
    assert code == 2
    assert "needs unknown gate 'zz'" in err
    assert not marker.exists()
    assert not (tmp_path / "r" / "gate-report.json").exists()


def test_schema_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_gates(["schema"], capsys)
    assert code == 0
    schema = json.loads(out)
    assert "command" in schema["$defs"]["gate"]["properties"]["type"]["enum"]
    assert "gate:command" in schema["$defs"]
    code, out, _ = run_gates(["list", str(write(tmp_path, GOOD))], capsys)
    assert code == 0
    assert "build" in out and "production" in out and "required" in out


def test_schema_validates_a_real_checklist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import jsonschema
    import yaml

    _, out, _ = run_gates(["schema"], capsys)
    validator = jsonschema.Draft202012Validator(json.loads(out))
    assert not list(validator.iter_errors(yaml.safe_load(GOOD.replace(SOON, f"'{SOON}'"))))
    bad = yaml.safe_load("gates:\n  a: {type: command, runn: x}\n")
    assert list(validator.iter_errors(bad))


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("800ms", 0.8), ("30s", 30), ("10m", 600), ("2h", 7200), (45, 45), ("1.5s", 1.5)],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "size"),
    [("250kB", 250_000), ("1.5MiB", 1_572_864), ("800B", 800), (1024, 1024), ("2 KiB", 2048)],
)
def test_sizes(text: object, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("bad", ["fast", "-1s", True, "10 parsecs"])
def test_bad_units_raise(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_percentages() -> None:
    assert parse_percent("5%") == 5.0
    assert parse_percent(80) == 80.0
    with pytest.raises(ValueError):
        parse_percent("120%")


@pytest.mark.parametrize("pattern", ["*", "**", "**/*", "?", "*.*", "*[a-z]*", "[!.]*", "src/*.py"])
def test_catch_all_waivers_are_refused(tmp_path: Path, pattern: str) -> None:
    path = write(
        tmp_path,
        "gates:\n  a: {type: command, run: x}\nwaivers:\n"
        f"  - {{gate: a, match: '{pattern}', reason: a real reason, owner: o@x.io, "
        f"expires: {SOON}}}\n",
    )
    with pytest.raises(ChecklistError, match="is not an id"):
        checklist_mod.load(path, environ={})
