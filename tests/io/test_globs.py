"""One glob dialect: the table of docs/checklist.md, run through every glob-taking key's code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from gates.checklist.model import Waiver
from gates.checks.bundle.sizes import FileSize, select
from gates.checks.coverage.paths import glob_match
from gates.io import globs
from gates.model import Finding, Location, Severity
from gates.waivers import matches as waiver_matches
from tests.support.gates import gate_context

TABLE = [
    ("src/*.js", "src/a.js", True),
    ("src/*.js", "src/a/b.js", False),
    ("src/**/*.js", "src/a.js", True),
    ("src/**/*.js", "src/a/b.js", True),
    ("src/**/*.js", "lib/a.js", False),
    ("**/*.js", "a.js", True),
    ("**/*.js", "x/y/a.js", True),
    ("**/*.js", "a.jsx", False),
    ("*.map", "a.map", True),
    ("*.map", "dist/x/a.map", True),
    ("*.map", "a.map.txt", False),
    ("dist", "dist/app.js", True),
    ("dist/", "dist/app.js", True),
    ("dist", "distx/app.js", False),
    ("src/[ab].js", "src/a.js", True),
    ("src/[ab].js", "src/c.js", False),
    ("[!.]*", "a/b.js", True),
    ("./src/*.js", "src/a.js", True),
    ("/src/*.js", "src/a.js", True),
]


def _waiver(pattern: str, path: str) -> bool:
    finding = Finding("R1", Severity.HIGH, "m", Location(path, 1), fingerprint="f")
    waiver = Waiver("g", "R1", "a reason here", "a@b.io", date(2030, 1, 1), paths=(pattern,))
    return waiver_matches(waiver, finding)


def _bundle(pattern: str, path: str) -> bool:
    return bool(select([FileSize(path=path, raw=1)], [pattern]))


def _secrets_exclude(pattern: str, path: str) -> bool:
    from gates.checks.secrets import _ignored

    return _ignored(path, [pattern])


KEYS: dict[str, Callable[[str, str], bool]] = {
    "io.globs": globs.matches,
    "waivers.paths": _waiver,
    "coverage.paths/source/exclude": lambda p, path: glob_match(p, path),
    "bundle.budgets": _bundle,
    "secrets.exclude": _secrets_exclude,
}


@pytest.mark.parametrize("key", sorted(KEYS))
@pytest.mark.parametrize(("pattern", "path", "expected"), TABLE)
def test_every_glob_key_speaks_one_dialect(
    key: str, pattern: str, path: str, expected: bool
) -> None:
    assert KEYS[key](pattern, path) is expected


def test_file_globs_expand_with_the_same_dialect(tmp_path: Path) -> None:
    """``tests.junit``, ``coverage.report``, ``lighthouse.results``: :meth:`GateContext.glob`."""
    paths = {path for _, path, _ in TABLE}
    for rel in paths:
        target = tmp_path / rel
        if not any(other.startswith(rel + "/") for other in paths):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("x")
    ctx = gate_context("g", tmp_path)
    for pattern, path, expected in TABLE:
        if (tmp_path / path).is_file():
            hits = {p.relative_to(tmp_path.resolve()).as_posix() for p in ctx.glob([pattern])}
            assert (path in hits) is expected, (pattern, path)


@pytest.mark.parametrize("bad", ["!src/*.js", "../x/*", "a/[b", ""])
def test_refused_patterns(bad: str) -> None:
    with pytest.raises(globs.GlobError):
        globs.check(bad)
