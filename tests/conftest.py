"""Shared test helpers: the corpus, the CLI, and real components that must not be skipped in CI."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
CORPUS = TESTS / "corpus"
"""Recorded real tool outputs (sources in tests/corpus/MANIFEST.md): a fresh clone has it."""
IN_CI = bool(os.environ.get("CI"))

# Property tests are seeded (derandomize: the examples derive from each test's source), so a
# failure reproduces on the next run and on another machine; no deadline, because a busy 2-core
# machine makes any per-example time limit a coin toss. HYPOTHESIS_PROFILE=explore searches
# fresh random examples instead.
settings.register_profile(
    "seeded",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("explore", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "seeded"))


def require_component(name: str, available: bool, how: str = "") -> None:
    """Skip locally when a real component is missing; in CI (``CI`` set) fail instead.

    Tests that need Chromium, PostgreSQL, Lighthouse or the example's node_modules call this, so
    CI can never go green by silently skipping them.
    """
    if available:
        return
    message = f"real component missing: {name}" + (f" ({how})" if how else "")
    if IN_CI:
        pytest.fail(message + " — CI must install it (.ci/run)")
    pytest.skip(message)


def have_executable(name: str) -> bool:
    """True when ``name`` is on PATH (or is an existing absolute path)."""
    return Path(name).is_file() if os.path.isabs(name) else shutil.which(name) is not None


@pytest.fixture
def corpus() -> Path:
    """tests/corpus: recorded real outputs of real tools."""
    return CORPUS


def run_python(
    args: list[str], cwd: Path, *, check: bool = False
) -> subprocess.CompletedProcess[str]:
    """This Python, with this checkout's ``gates`` importable, in a fresh process: its output."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
        check=check,
    )


def run_gates(
    argv: list[str], capsys: pytest.CaptureFixture[str] | None = None
) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    from gates.cli import main

    code = main(argv)
    if capsys is None:
        return code, "", ""
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def load_report(out_dir: Path) -> dict[str, Any]:
    """The ``gate-report.json`` written into ``out_dir``."""
    report: dict[str, Any] = json.loads((out_dir / "gate-report.json").read_text())
    return report


def gate(report: dict[str, Any], gate_id: str) -> dict[str, Any]:
    """One gate's entry from a loaded report."""
    for item in report["gates"]:
        if item["id"] == gate_id:
            found: dict[str, Any] = item
            return found
    raise AssertionError(f"gate {gate_id!r} not in report: {[g['id'] for g in report['gates']]}")


# --- every gate-report.json a test writes is valid against `gates schema --report` -------------
# A report is found by its name: ``gate-report.json``, or ``<commit>.json`` in a baseline folder
# (``gates baseline save``). Per test, its ``tmp_path`` is searched at teardown (an invalid
# report fails that test); at the end of the session (per xdist worker), everything else under
# the session's temporary folder (fixtures' ``tmp_path_factory`` folders). The schema is compiled
# once per process. A test that writes broken reports on purpose says so with
# ``@pytest.mark.invalid_reports``.

_REPORT_NAME = "gate-report.json"
_BASELINE_NAME = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?\.json$")
_SKIP_DIRS = frozenset({"node_modules", ".git", ".nox", ".venv", "__pycache__"})
_checked_reports: dict[Path, tuple[int, int]] = {}
_exempt_roots: list[Path] = []


@functools.cache
def _report_validator() -> Any:
    import jsonschema

    from gates.report.schema import report_schema

    return jsonschema.Draft202012Validator(report_schema())


def _written_reports(root: Path) -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(root):  # symbolic links are not followed
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
        for name in files:
            if name == _REPORT_NAME or _BASELINE_NAME.match(name):
                found.append(Path(folder, name))
    return found


def _report_problems(root: Path) -> list[str]:
    """Schema errors of the reports under ``root`` not yet checked as they are now."""
    problems = []
    for path in _written_reports(root):
        if any(path.is_relative_to(exempt) for exempt in _exempt_roots):
            continue
        try:
            stat = path.stat()
        except OSError:
            continue
        if not os.path.isfile(path) or _checked_reports.get(path) == (
            stat.st_mtime_ns,
            stat.st_size,
        ):
            continue
        _checked_reports[path] = (stat.st_mtime_ns, stat.st_size)
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            problems.append(f"{path}: not JSON ({exc})")
            continue
        errors = sorted(_report_validator().iter_errors(data), key=lambda e: list(e.path))
        for error in errors[:5]:
            where = "/".join(str(p) for p in error.absolute_path) or "(top)"
            problems.append(f"{path}: {where}: {error.message[:200]}")
    return problems


@pytest.fixture(autouse=True)
def _reports_match_the_schema(request: pytest.FixtureRequest) -> Any:
    """Fail the test whose ``tmp_path`` holds a report ``gates schema --report`` refuses."""
    yield
    tmp = request.node.funcargs.get("tmp_path") if hasattr(request.node, "funcargs") else None
    if not isinstance(tmp, Path) or not tmp.is_dir():
        return
    if request.node.get_closest_marker("invalid_reports"):
        _exempt_roots.append(tmp)
        return
    problems = _report_problems(tmp)
    if problems:
        pytest.fail("reports invalid against `gates schema --report`:\n" + "\n".join(problems))


@pytest.fixture(scope="session", autouse=True)
def _session_reports_match_the_schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The reports written outside a test's own ``tmp_path`` (module/session fixtures)."""
    yield
    problems = _report_problems(tmp_path_factory.getbasetemp())
    if problems:
        pytest.fail("reports invalid against `gates schema --report`:\n" + "\n".join(problems))
