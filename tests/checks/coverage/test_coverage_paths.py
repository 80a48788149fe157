"""The cached path mapper agrees with a plain pathlib mapping, symlinks and ``..`` included."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from gates.checks.coverage.paths import map_path

_DRIVE = re.compile(r"^[A-Za-z]:/")


def _reference(raw: str, sources: tuple[str, ...], root: Path) -> str:
    """map_path as first written: pathlib, everything resolved per call."""
    name = raw.replace("\\", "/")
    root_resolved = root.resolve()
    absolute = name.startswith("/") or bool(_DRIVE.match(name))
    inside: list[str] = []
    if not _DRIVE.match(name):
        bases = [s.rstrip("/") for s in sources if not _DRIVE.match(s)]
        candidates = [name] if absolute else [f"{b}/{name}" for b in bases] + [name]
        for candidate in candidates:
            full = Path(candidate) if candidate.startswith("/") else root / candidate
            try:
                rel = full.resolve().relative_to(root_resolved).as_posix()
            except ValueError:
                continue
            if (root_resolved / rel).exists():
                return rel
            inside.append(rel)
    parts = [p for p in name.split("/") if p and not _DRIVE.match(p + "/")]
    for start in range(1, len(parts)):
        suffix = "/".join(parts[start:])
        if (root / suffix).is_file():
            return suffix
    if inside:
        return inside[0]
    return name if absolute else posixpath.normpath(name)


def test_mapper_matches_the_pathlib_reference(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "src" / "lib").mkdir(parents=True)
    (root / "src" / "lib" / "a.ts").write_text("")
    (root / "pkg").mkdir()
    (root / "pkg" / "m.py").write_text("")
    (root / "linked").symlink_to(root / "src")
    (root / "src" / "lib" / "link.ts").symlink_to(root / "src" / "lib" / "a.ts")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.py").write_text("")
    (root / "escape").symlink_to(outside)
    names = [
        "src/lib/a.ts",
        "linked/lib/a.ts",
        "src/lib/link.ts",
        "src/lib/../lib/a.ts",
        "src/nope/../lib/a.ts",
        "escape/x.py",
        "../outside/x.py",
        "m.py",
        "lib/a.ts",
        str(root / "src/lib/a.ts"),
        str(outside / "x.py"),
        "/ci/work/proj/pkg/m.py",
        "C:\\build\\src\\lib\\a.ts",
        "gone/b.ts",
        ".",
        "",
    ]
    for sources in ((), (".",), ("pkg", str(root / "src")), ("C:/x",)):
        for name in names:
            assert map_path(name, sources, root) == _reference(name, sources, root), (name, sources)
