"""Every install line in the repository installs this project, never PyPI's unrelated `gates`."""

from __future__ import annotations

import re
import subprocess
import tomllib

from tests.conftest import REPO

DISTRIBUTION = "release-gates"
# pip/pipx/uv installing a bare `gates` (optionally with a version or extras)
BAD = re.compile(
    r"\b(?:pip3?|pipx|uv\s+pip|uv\s+tool|python3?\s+-m\s+pip)\s+install\s+"
    r"(?:-{1,2}[\w-]+(?:[= ][^\s-]\S*)?\s+)*"  # options, e.g. --quiet, -U
    r"[\"']?gates(?:\[[^\]]*\])?(?:[=<>!~]=?[\w.*]+)?[\"']?(?=\s|$|&|;|\))",
    re.IGNORECASE,
)


def _tracked_text_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    keep = (".md", ".yml", ".yaml", ".toml", ".py", ".sh", ".txt", ".cfg", "run", "deps")
    return [p for p in out if p.endswith(keep) and "node_modules" not in p]


def test_the_pattern_catches_bad_lines_and_lets_good_ones_through() -> None:
    for bad in (
        "pip install gates",
        "pip install -U gates",
        "python3 -m pip install --quiet gates==0.1.0",
        "pipx install gates",
        "uv tool install gates",
        'pip install "gates[all]" && npm ci',
    ):
        assert BAD.search(bad), bad
    for good in (
        "pip install .",
        'pip install "release-gates @ git+https://example.com/gates@main"',
        "pip install gates-foo",
        'pip install "$GITHUB_ACTION_PATH"',
        "pip install -e .",
    ):
        assert not BAD.search(good), good


def test_no_install_line_installs_pypi_gates() -> None:
    bad = []
    for rel in _tracked_text_files():
        if rel == "tests/test_install_lines.py":
            continue
        try:
            text = (REPO / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if BAD.search(line):
                bad.append(f"{rel}:{number}: {line.strip()}")
    assert bad == []


def test_distribution_name_and_command() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["name"] == DISTRIBUTION
    assert project["scripts"]["gates"] == "gates.cli:entry"
