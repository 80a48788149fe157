"""coverage.py's ``.coverage`` data file (SQLite) → ``CoverageData``, through coverage's own API.

The data file holds only executed lines and arcs; statements and branches come from analysing
the source files, exactly as ``coverage report`` does. So this parser needs the measured
sources where the data says they are, and reads the project's coverage configuration
(``.coveragerc``, ``.coveragerc.toml``, ``setup.cfg``/``tox.ini`` with ``[coverage:...]``
sections, ``pyproject.toml`` with ``[tool.coverage...]``, first found in ``config_dir``) so
that ``exclude_lines``, ``[report] omit/include`` and ``partial_branches`` match the CLI.
Tested against real coverage.py 7.x runs (``coverage run --branch``) in
``tests/parsers/test_coverage_formats.py``: our totals equal ``coverage report``'s TOTAL.

Limit: data recorded with ``relative_files = true`` names files relative to the directory
coverage ran in; coverage resolves those against this process's working directory.
``coverage`` is imported inside :func:`load` (it is heavy and only this format needs it).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from gates.errors import InputError
from gates.io.safe import read_bytes
from gates.parsers.coverage_model import SQLITE_MAGIC, CoverageData, FileCoverage

_CONFIG_FILES = (
    (".coveragerc", ""),
    (".coveragerc.toml", ""),
    ("setup.cfg", "[coverage:"),
    ("tox.ini", "[coverage:"),
    ("pyproject.toml", "[tool.coverage"),
)


def config_file_for(config_dir: Path) -> str | bool:
    """The coverage configuration file ``coverage report`` would read in ``config_dir``."""
    for name, marker in _CONFIG_FILES:
        candidate = config_dir / name
        if candidate.is_file():
            if not marker:
                return str(candidate)
            try:
                if marker in candidate.read_text(encoding="utf-8", errors="replace"):
                    return str(candidate)
            except OSError:
                continue
    return False


def load(path: Path, *, config_dir: Path | None = None) -> CoverageData:
    """Analyse the measured files of the data file at ``path``."""
    head = read_bytes(path)[:16]
    if head != SQLITE_MAGIC:
        raise InputError(f"{path}: not a coverage.py data file (no SQLite header)")
    import coverage
    from coverage.exceptions import CoverageException
    from coverage.report_core import get_analysis_to_report

    config = config_file_for(config_dir or path.parent)
    try:
        cov = coverage.Coverage(data_file=str(path), config_file=config, messages=False)
        cov.load()
        branch = cov.get_data().has_arcs()
        files = []
        for reporter, analysis in get_analysis_to_report(cov, None):
            numbers = analysis.numbers
            executed = frozenset(analysis.statements - analysis.missing)
            files.append(
                FileCoverage(
                    path=reporter.filename.replace("\\", "/"),
                    lines_valid=numbers.n_statements,
                    lines_covered=numbers.n_executed,
                    branches_valid=numbers.n_branches,
                    branches_covered=numbers.n_executed_branches,
                    covered_lines=executed,
                    missed_lines=frozenset(analysis.missing),
                )
            )
    except CoverageException as exc:
        raise InputError(f"{path}: coverage.py could not report it: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{path}: damaged coverage data file ({exc})") from None
    return CoverageData(
        format="coverage.py-data",
        producer=f"coverage.py {coverage.__version__}",
        files=tuple(files),
        branch_measured=branch,
    )
