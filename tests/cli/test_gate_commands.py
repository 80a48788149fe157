"""``gates <type> <name>``: the CLI builds and dispatches the commands gate types declare.

The CLI holds no gate type of its own: what ``gates migrations lock`` is comes from the
migrations ``Check.commands``, read from the registry only when the first word of ``gates`` is
not a built-in command.
"""

from __future__ import annotations

import argparse
import ast
import shutil
from pathlib import Path

import pytest

from gates.checks import CHECKS, GATE_TYPES
from gates.cli import COMMANDS, wants_gate_commands
from tests.cli.test_startup import _modules_after
from tests.conftest import REPO, run_gates

CLEAN = REPO / "tests" / "fixtures" / "migrations" / "clean"
DECLARING = [t for t in GATE_TYPES if CHECKS[t].commands]


def _builtins() -> set[str]:
    sub = argparse.ArgumentParser().add_subparsers()
    for module in COMMANDS:
        module.add(sub)
    return set(sub.choices)


def test_some_gate_type_declares_a_command() -> None:
    assert "migrations" in DECLARING
    assert [c.name for c in CHECKS["migrations"].commands] == ["lock"]


def test_no_declared_gate_command_shadows_a_built_in() -> None:
    assert not set(DECLARING) & _builtins()


@pytest.mark.parametrize("gate_type", DECLARING)
def test_each_declared_command_has_its_help(
    gate_type: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_gates([gate_type, "--help"], capsys)
    assert code == 0
    for command in CHECKS[gate_type].commands:
        assert command.name in out and command.help in out
        code, out_one, _ = run_gates([gate_type, command.name, "--help"], capsys)
        assert code == 0
        assert (command.description or command.help) in out_one
        assert "--checklist" in out_one and "--gate" in out_one


def test_top_level_help_and_unknown_words_list_the_gate_commands(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_gates(["--help"], capsys)
    assert code == 0 and all(t in out for t in DECLARING)
    code, _, err = run_gates(["no-such-command"], capsys)
    assert code == 2 and "invalid choice" in err and all(repr(t) in err for t in DECLARING)


def test_the_registry_is_read_only_when_the_first_word_is_not_built_in() -> None:
    built = _builtins()
    assert not wants_gate_commands(["--version"], built)
    assert not wants_gate_commands(["run", "--out", "migrations"], built)
    assert not wants_gate_commands(["validate", "migrations"], built)
    assert wants_gate_commands(["migrations", "lock"], built)
    assert wants_gate_commands(["--help"], built) and wants_gate_commands([], built)
    assert wants_gate_commands(["nosuch"], built)


def test_built_in_commands_start_without_importing_a_gate_type(tmp_path: Path) -> None:
    for argv in (["--version"], ["run", "--help"], ["diff", "--help"]):
        loaded = _modules_after(argv, tmp_path)
        assert not [m for m in loaded if m.startswith("gates.checks")], argv
        assert "gates.cli.gate_commands" not in loaded, argv


def test_gates_cli_names_no_gate_type() -> None:
    """Generic code only: no module per gate type, no gate type as a literal, no gate import."""
    files = sorted((REPO / "gates" / "cli").glob("*.py"))
    assert not {p.stem for p in files} & set(GATE_TYPES)
    # "command" is also argparse's dest for the chosen subcommand; it declares no helpers
    names = set(GATE_TYPES) - {"command"}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant):
                assert node.value not in names, f"{path.name}:{node.lineno}: {node.value!r}"
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("gates.checks."), f"{path.name}: {node.module}"


CHECKLIST_TWO = """\
version: 1
gates:
  first:
    type: migrations
    dir: supabase/migrations
    lock: supabase/first.lock
  second:
    type: migrations
    dir: supabase/migrations
    lock: supabase/second.lock
"""


def test_gate_picks_one_of_several_gates_of_the_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(CLEAN, tmp_path, dirs_exist_ok=True)
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(CHECKLIST_TWO)
    base = ["migrations", "lock", "--checklist", str(checklist)]
    code, _, err = run_gates(base, capsys)
    assert code == 2 and "--gate" in err and "first, second" in err
    assert not list((tmp_path / "supabase").glob("*.lock"))
    code, out, _ = run_gates([*base, "--gate", "second"], capsys)
    assert code == 0 and "second.lock" in out
    assert [p.name for p in (tmp_path / "supabase").glob("*.lock")] == ["second.lock"]
    code, _, err = run_gates([*base, "--gate", "third"], capsys)
    assert code == 2 and "'third'" in err and "first, second" in err
    assert "Traceback" not in err


def test_a_gate_of_another_type_is_not_chosen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checklist = tmp_path / "checklist.yml"
    checklist.write_text('version: 1\ngates:\n  a: {type: command, run: "true"}\n')
    code, _, err = run_gates(
        ["migrations", "lock", "--checklist", str(checklist), "--gate", "a"], capsys
    )
    assert code == 2 and "no migrations gate in the checklist" in err


def test_a_lock_without_a_lock_path_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(CLEAN, tmp_path, dirs_exist_ok=True)
    checklist = tmp_path / "checklist.yml"
    checklist.write_text("version: 1\ngates:\n  m: {type: migrations, dir: supabase/migrations}\n")
    code, _, err = run_gates(["migrations", "lock", "--checklist", str(checklist)], capsys)
    assert code == 2 and "no `lock:` path" in err and "Traceback" not in err


def test_a_gate_command_imports_only_its_own_gate_type(tmp_path: Path) -> None:
    for gate_type in DECLARING:
        loaded = _modules_after([gate_type, "--help"], tmp_path)
        types = {
            m.split(".")[2] for m in loaded if m.count(".") >= 2 and m.startswith("gates.checks.")
        }
        assert types - {"base"} == {gate_type}, sorted(types)
