"""Start-up: a command imports only what it uses (speed targets live in ``nox -s bench``)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_python


def _modules_after(argv: list[str], cwd: Path) -> set[str]:
    probe = (
        "import sys, json, runpy\n"
        f"sys.argv = ['gates', *{argv!r}]\n"
        "try:\n    runpy.run_module('gates', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = run_python(["-c", probe], cwd)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_version_loads_no_gate_report_or_checklist_code(tmp_path: Path) -> None:
    loaded = _modules_after(["--version"], tmp_path)
    # answered before any command module, the error types or argparse are imported
    assert {m for m in loaded if m.startswith("gates")} == {"gates", "gates.cli"}
    assert "argparse" not in loaded and "gates.model" not in loaded
    heavy = {"pydantic", "yaml", "multiprocessing", "gates.checks"}
    assert not heavy & loaded, sorted(heavy & loaded)
    # gates.writers itself is the registry of report formats (--format); no writer is loaded
    assert not [
        m
        for m in loaded
        if m.startswith(("gates.report", "gates.run", "gates.checks", "gates.writers."))
    ]


def test_validate_builds_only_the_option_models_of_the_types_it_uses(tmp_path: Path) -> None:
    (tmp_path / "checklist.yml").write_text(
        'version: 1\nproject: t\ngates:\n  a: {type: command, run: "true"}\n'
    )
    loaded = _modules_after(["validate", "checklist.yml"], tmp_path)
    assert "gates.checks.command" in loaded or "gates.checks.command.options" in loaded
    others = {m for m in loaded if m.startswith("gates.checks.") and ".command" not in m}
    assert others <= {"gates.checks.base"}, sorted(others)
    assert "multiprocessing" not in loaded and "gates.run.runner" not in loaded


EVALUATION_ONLY = (
    "http.client",  # gates.web.fetch, on a request
    "ssl",
    "email",
    "importlib.metadata",  # pydantic's plugin loader (gates/__init__.py stands in for it)
    "defusedxml",  # XML evidence
    "gates.process",  # running tools
    "gates.io.git",
    "gates.checks.secrets.scan",
    "gates.checks.coverage.reports",
    "gates.checks.coverage.changed",
    "gates.checks.bundle.judge",
    "gzip",
    "sqlite3",
    "pglast",
    "jinja2",
    "coverage",
    "bandit",
    "playwright",
    "psycopg",
    "multiprocessing",
)
"""Modules a gate's run uses and loading a checklist never needs."""


def test_loading_the_options_of_every_gate_type_imports_nothing_of_their_evaluation(
    tmp_path: Path,
) -> None:
    """What `gates validate` and the run's own process do for each type a checklist names:
    the options model, without the gate's readers, scanners, HTTP client or subprocesses."""
    probe = (
        "import sys, json\n"
        "import gates.checklist\n"
        "from gates.checks import OPTIONS\n"
        "models = {t: OPTIONS[t].__name__ for t in OPTIONS}\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = run_python(["-c", probe], tmp_path, check=True)
    loaded = set(json.loads(done.stdout))
    found = sorted(
        m for m in loaded if any(m == e or m.startswith(e + ".") for e in EVALUATION_ONLY)
    )
    assert found == [], found


def test_validate_never_imports_pydantics_plugin_machinery(tmp_path: Path) -> None:
    """gates stands in for pydantic's plugin loader (gates/__init__.py): should pydantic move
    it, this fails and says so, instead of validate silently paying 30-50 ms again."""
    (tmp_path / "checklist.yml").write_text(
        'version: 1\nproject: t\ngates:\n  a: {type: command, run: "true"}\n'
    )
    loaded = _modules_after(["validate", "checklist.yml"], tmp_path)
    assert "pydantic.plugin._schema_validator" in loaded  # pydantic asked for its plugins
    assert "importlib.metadata" not in loaded


def test_pydantic_validates_through_the_stand_in_and_finds_no_plugins(tmp_path: Path) -> None:
    """In a fresh interpreter (gates imported first, as the CLI and the forkserver do): the
    loader pydantic asks is gates' stand-in, and models validate with a plain validator."""
    probe = (
        "import sys\n"
        "import gates\n"
        "from pydantic import BaseModel\n"
        "import pydantic.plugin._schema_validator as schema_validator\n"
        "class Probe(BaseModel):\n"
        "    x: int\n"
        "assert Probe(x=1).x == 1\n"
        "assert sys.modules['pydantic.plugin._loader'] is gates._loader\n"
        "assert not isinstance(Probe.__pydantic_validator__,"
        " schema_validator.PluggableSchemaValidator)\n"
        "print('ok')\n"
    )
    done = run_python(["-c", probe], tmp_path)
    assert done.stdout.strip() == "ok", done.stderr


def test_the_comment_limit_constant_agrees_with_the_renderer() -> None:
    from gates.cli.comment import GITHUB_LIMIT
    from gates.report.pr_comment import GITHUB_LIMIT as RENDERER_LIMIT

    assert GITHUB_LIMIT == RENDERER_LIMIT
