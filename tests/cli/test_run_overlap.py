"""What ``gates run`` overlaps with its checklist load and its gates: the forkserver's preload
of the checklist's gate types, git, the writers (speed itself is measured in ``nox -s bench``)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from gates.cli.head_start import gate_types_named, gate_types_selected
from gates.cli.run import _Background
from tests.conftest import run_python

CHECKLIST = """version: 1
project: t
gates:
  unit:
    type: tests
    junit: [junit.xml]
  lint: {type: command, run: "true"}
  notify_like:
    type: command
    run: "true"
    # type: nosuchtype (a comment: the hint may name it; the forkserver skips what is no module)
"""


def test_the_hint_names_the_types_written_in_block_and_flow_style(tmp_path: Path) -> None:
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(CHECKLIST)
    assert gate_types_named(checklist) == ["command", "nosuchtype", "tests"]


def test_the_hint_is_empty_for_a_missing_checklist_and_never_blocks_on_a_fifo(
    tmp_path: Path,
) -> None:
    assert gate_types_named(tmp_path / "absent.yml") == []
    fifo = tmp_path / "checklist.yml"
    os.mkfifo(fifo)
    found: list[list[str]] = []
    reader = threading.Thread(target=lambda: found.append(gate_types_named(fifo)), daemon=True)
    reader.start()
    reader.join(timeout=30)
    assert not reader.is_alive() and found == [[]]


def _preload_after(argv: list[str], cwd: Path) -> list[str] | None:
    """The forkserver's preload list after ``gates ARGV --no-such-option`` (the option makes
    argparse refuse the command line, after main()'s head start); None when none started."""
    probe = (
        "import json, sys\n"
        "from multiprocessing import forkserver\n"
        "from gates.cli import main\n"
        "assert main([*json.loads(sys.argv[1]), '--no-such-option']) == 2\n"
        "server = forkserver._forkserver\n"
        "print(json.dumps(server._preload_modules if server._forkserver_pid else None))\n"
    )
    done = run_python(["-c", probe, json.dumps(argv)], cwd, check=True)
    preload: list[str] | None = json.loads(done.stdout)
    return preload


@pytest.mark.parametrize(
    "argv",
    [
        ["run"],
        ["run", "--checklist", "other.yml"],
        ["run", "--jobs", "1", "--checklist=other.yml"],
    ],
)
def test_the_forkserver_starts_first_preloading_the_hinted_gate_types(
    tmp_path: Path, argv: list[str]
) -> None:
    name = "checklist.yml" if argv == ["run"] else "other.yml"
    (tmp_path / name).write_text(CHECKLIST)
    preload = _preload_after(argv, tmp_path)
    assert preload is not None
    assert {"gates.checks.tests", "gates.checks.command"} <= set(preload)
    assert "gates.checks.nosuchtype" in preload  # and the run below shows it is harmless


def test_the_hint_of_a_selective_run_names_only_the_types_of_the_selected_gates(
    tmp_path: Path,
) -> None:
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(CHECKLIST)
    assert gate_types_selected(checklist, {"unit"}, set()) == ["tests"]
    assert gate_types_selected(checklist, {"unit", "lint"}, {"lint"}) == ["tests"]
    assert gate_types_selected(checklist, None, {"unit"}) == ["command"]
    assert gate_types_selected(checklist, {"no-such-gate"}, set()) == []
    # no selection: the cheap text hint, comment included
    assert gate_types_selected(checklist, None, set()) == gate_types_named(checklist)


# Each case ends in a comment the text hint reads and YAML does not: the fallback is visible.
TEXT_HINT = "# type: command\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gates: [unit]\n", ["command"]),  # not a mapping
        ("gates:\n  unit: {type: [tests]}\n", ["command"]),  # a type that is no name
        ("gates:\n  unit: {type: 5}\n", ["command"]),  # a number for a type
        ("gates:\n  unit: tests\n", ["command"]),  # a gate that is no mapping
        ("version: 1\n", ["command"]),  # no gates
        ("gates: {unit: {type: tests}\n", ["command", "tests"]),  # not YAML
        ("gates: " + "[" * 100_000 + "]" * 100_000 + "\n", ["command"]),  # past recursion
        # an alias of itself is read, not walked: YAML's answer, not the fallback's
        ("a: &a [*a]\ngates: {unit: {type: tests}}\n", ["tests"]),
    ],
)
def test_a_selective_hint_that_cannot_read_the_checklist_falls_back_to_the_text_hint(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(text + TEXT_HINT)
    assert gate_types_selected(checklist, {"unit"}, set()) == expected


def test_a_selective_hint_never_blocks_on_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "checklist.yml"
    os.mkfifo(fifo)
    found: list[list[str]] = []
    reader = threading.Thread(
        target=lambda: found.append(gate_types_selected(fifo, {"unit"}, set())), daemon=True
    )
    reader.start()
    reader.join(timeout=30)
    assert not reader.is_alive() and found == [[]]


def test_the_forkserver_of_an_only_run_preloads_the_selected_gates_type(tmp_path: Path) -> None:
    (tmp_path / "other.yml").write_text(CHECKLIST)
    preload = _preload_after(["run", "--only", "unit", "--checklist=other.yml"], tmp_path)
    assert preload is not None
    assert "gates.checks.tests" in preload and "gates.checks.command" not in preload


def test_the_forkserver_preloads_a_gate_types_warm_module(tmp_path: Path) -> None:
    (tmp_path / "checklist.yml").write_text(
        "version: 1\nproject: t\ngates:\n  m: {type: migrations, dir: db}\n"
    )
    preload = _preload_after(["run"], tmp_path)
    assert preload is not None
    assert preload[-2:] == ["gates.checks.migrations", "gates.checks.migrations.warm"]


def test_a_warm_module_leaves_the_worker_nothing_to_import_or_build() -> None:
    """In a fresh interpreter: after the gate type's module pglast is not imported (``gates
    validate`` never pays for it); after its warm module pglast is, and the parser's node
    ``__init__``s are generated, so a worker forked after it starts parsing at once."""
    probe = (
        "import sys\n"
        "import gates.checks.migrations\n"
        "assert 'pglast' not in sys.modules\n"
        "import gates.checks.migrations.warm\n"
        "from gates.checks.migrations import sqlsource\n"
        "assert 'pglast.parser' in sys.modules and 'pglast.enums.parsenodes' in sys.modules\n"
        "assert sqlsource._FAST_INITS\n"
        "print('ok')\n"
    )
    done = run_python(["-c", probe], Path.cwd(), check=True)
    assert done.stdout.strip() == "ok"


@pytest.mark.parametrize(
    ("gate_type", "deferred"),
    [
        ("coverage", ["gates.checks.coverage.reports", "gates.checks.coverage.changed"]),
        ("bundle", ["gates.checks.bundle.judge", "gates.checks.bundle.report"]),
        ("secrets", ["gates.checks.secrets.scan", "gates.io.git"]),
        ("smoke", ["http.client", "ssl"]),
        ("analysis", ["http.client", "ssl"]),
    ],
)
def test_a_warm_module_imports_what_the_gate_type_defers_to_its_run(
    gate_type: str, deferred: list[str]
) -> None:
    """The type's package leaves its run's modules out (loading a checklist skips them); its
    warm module brings them in, so a worker forked after it imports nothing."""
    probe = (
        "import sys, json\n"
        f"import gates.checks.{gate_type}\n"
        f"before = [m for m in {deferred!r} if m in sys.modules]\n"
        f"import gates.checks.{gate_type}.warm\n"
        f"after = [m for m in {deferred!r} if m in sys.modules]\n"
        "print(json.dumps([before, after]))\n"
    )
    done = run_python(["-c", probe], Path.cwd(), check=True)
    before, after = json.loads(done.stdout)
    assert before == []
    assert after == deferred


def test_no_forkserver_is_started_for_a_command_that_runs_no_gate(tmp_path: Path) -> None:
    (tmp_path / "checklist.yml").write_text(CHECKLIST)
    assert _preload_after(["validate", "checklist.yml"], tmp_path) is None


def test_a_run_whose_hint_names_no_gate_type_still_judges_every_gate(tmp_path: Path) -> None:
    (tmp_path / "checklist.yml").write_text(CHECKLIST)
    (tmp_path / "junit.xml").write_text(
        '<testsuite name="s" tests="1"><testcase classname="c" name="t"/></testsuite>'
    )
    done = run_python(["-m", "gates", "run", "--format", "json,html"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "reports" / "gate-report.json").read_text())
    assert {g["id"]: g["status"] for g in report["gates"]} == {
        "unit": "pass",
        "lint": "pass",
        "notify_like": "pass",
    }
    page = (tmp_path / "reports" / "gate-report.html").read_text()
    assert page.startswith("<!doctype html>") and "notify_like" in page


def test_background_gives_the_value_or_raises_the_error_in_the_asking_thread() -> None:
    assert _Background(lambda: 41 + 1).result() == 42

    def fails() -> int:
        raise LookupError("from the thread")

    failing = _Background(fails)
    failing.wait()  # waiting alone does not raise: the real call will
    with pytest.raises(LookupError, match="from the thread"):
        failing.result()


def test_a_failing_warm_module_costs_time_never_the_forkserver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Anything but an ImportError raised by a preload would stop the forkserver, and every gate
    of the run with it: the warm module swallows it (the gate's evaluate meets it again)."""
    import importlib
    import sys

    from gates.checks.migrations import sqlsource

    def broken() -> None:
        raise RuntimeError("a pglast this was not written for")

    monkeypatch.setattr(sqlsource, "warm", broken)
    monkeypatch.delitem(sys.modules, "gates.checks.migrations.warm", raising=False)
    importlib.import_module("gates.checks.migrations.warm")  # does not raise
