"""Where a coverage report's file names are in this project: absolute (CI machines, Windows),
relative to a Cobertura ``<source>``, or found by the longest suffix that names a project file;
the checklist's globs; which tracked sources a report does not mention."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from gates.io import globs
from gates.parsers.coverage_model import CoverageData, FileCoverage

_DRIVE = re.compile(r"^[A-Za-z]:/")


def map_path(raw: str, sources: Sequence[str], root: Path) -> str:
    """A report's file name as a project-relative POSIX path (best effort, see module doc)."""
    return _PathMapper(root).map(raw, sources)


class _PathMapper:
    """:func:`map_path` for many files: the root and each directory resolved once (files of a
    report share directories), string paths (no pathlib objects per file)."""

    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self.resolved = os.path.realpath(root)
        self.prefix = self.resolved.rstrip(os.sep) + os.sep
        self._dirs: dict[str, str] = {}
        self._isdir: dict[str, bool] = {}

    def _realpath(self, path: str) -> str:
        """``os.path.realpath`` with the directory part cached."""
        head, tail = os.path.split(path)
        if not tail or tail in (".", ".."):
            return os.path.realpath(path)
        real_dir = self._dirs.get(head)
        if real_dir is None:
            real_dir = self._dirs[head] = os.path.realpath(head)
        real = os.path.join(real_dir, tail)  # noqa: PTH118 - hot path, str
        return os.path.realpath(real) if os.path.islink(real) else real  # noqa: PTH114

    def _is_file(self, relative: str) -> bool:
        parent = posixpath.dirname(relative)
        if parent:
            known = self._isdir.get(parent)
            if known is None:
                known = self._isdir[parent] = os.path.isdir(f"{self.root}/{parent}")  # noqa: PTH112
            if not known:
                return False
        return os.path.isfile(f"{self.root}/{relative}")  # noqa: PTH113 - hot path, str

    def map(self, raw: str, sources: Sequence[str]) -> str:
        name = raw.replace("\\", "/")
        absolute = name.startswith("/") or bool(_DRIVE.match(name))
        inside: list[str] = []
        if not _DRIVE.match(name):
            bases = [s.rstrip("/") for s in sources if not _DRIVE.match(s)]
            candidates = [name] if absolute else [f"{b}/{name}" for b in bases] + [name]
            for candidate in candidates:
                full = candidate
                if not candidate.startswith("/"):
                    full = os.path.join(self.root, candidate)  # noqa: PTH118 - hot path, str
                real = self._realpath(full)
                if real != self.resolved and not real.startswith(self.prefix):
                    continue
                rel = "." if real == self.resolved else real[len(self.prefix) :]
                rel = rel.replace(os.sep, "/")
                if os.path.exists(real):  # noqa: PTH110 - hot path, str
                    return rel
                inside.append(rel)
        parts = [p for p in name.split("/") if p and not _DRIVE.match(p + "/")]
        for start in range(1, len(parts)):
            suffix = "/".join(parts[start:])
            if self._is_file(suffix):
                return suffix
        if inside:
            return inside[0]
        return name if absolute else posixpath.normpath(name)


def map_files(data: CoverageData, root: Path) -> list[tuple[str, FileCoverage]]:
    """Each file of the report with its project-relative path."""
    mapper = _PathMapper(root)
    return [(mapper.map(f.path, data.sources), f) for f in data.files]


def glob_match(pattern: str, path: str) -> bool:
    """The checklist's one glob dialect (:mod:`gates.io.globs`)."""
    return globs.matches(pattern, path)


def in_project(mapped: Iterable[tuple[str, FileCoverage]], root: Path) -> int:
    """How many of the report's files are files of this project (after mapping)."""
    return sum(1 for rel, _ in mapped if not rel.startswith("/") and (root / rel).is_file())


def unmentioned(tracked: Iterable[str], mapped: Iterable[tuple[str, FileCoverage]]) -> list[str]:
    """Tracked files like the report's own (same extension, under the same top folder) that the
    report does not mention: sources no test imported, which a report simply leaves out."""
    named = {rel for rel, _ in mapped}
    kinds = {(_top(rel), posixpath.splitext(rel)[1]) for rel in named if not rel.startswith("/")}
    return sorted(
        path
        for path in tracked
        if path not in named and (_top(path), posixpath.splitext(path)[1]) in kinds
    )


def _top(path: str) -> str:
    return path.split("/", 1)[0] if "/" in path else ""
