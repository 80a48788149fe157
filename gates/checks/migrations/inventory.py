"""The migration files of a project: names, versions, order, rollback files.

The Supabase CLI applies files named ``^([0-9]+)_(.*)\\.sql$`` (``pkg/migration/file.go``) in
file-name order and skips any other ``.sql`` file with only a note on stderr; the convention
(``supabase migration new``) is a 14-digit UTC timestamp ``YYYYMMDDHHMMSS``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from gates.checks.migrations.problem import Problem
from gates.checks.migrations.sqlsource import refuse_nul
from gates.errors import InputError
from gates.io.safe import decode_utf8, read_bytes, resolve_inside

NAME = re.compile(r"^([0-9]+)_(.*)\.sql$")


@dataclass(frozen=True)
class MigrationFile:
    """One migration file that the Supabase CLI would apply."""

    name: str
    version: str
    path: Path
    rel: str
    """Project-relative path (for findings)."""
    sha256: str
    text: str
    size: int = 0
    """Bytes read (with ``sha256``, the evidence record of exactly what was judged)."""


@dataclass
class Inventory:
    """Applicable migrations in order, and the problems with the folder's names."""

    migrations: list[MigrationFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """``.sql`` files the CLI would not apply (bad names, duplicate versions)."""


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        raise InputError(f"{path.name}: refers outside the project root; not read") from None


def _is_timestamp(version: str) -> bool:
    if len(version) != 14:
        return False
    try:
        datetime.strptime(version, "%Y%m%d%H%M%S")
    except ValueError:
        return False
    return True


def scan(root: Path, directory: str) -> Inventory:
    """Read every ``*.sql`` file of ``directory`` (inside ``root``), sorted by name."""
    folder = resolve_inside(root, directory)
    if not folder.is_dir():
        raise InputError(f"{directory}: migrations folder not found")
    inventory = Inventory()
    seen: dict[str, str] = {}
    root_resolved = root.resolve()
    folder_rel = _rel(root_resolved, folder)
    for path in sorted(p for p in folder.iterdir() if p.suffix == ".sql" and p.is_file()):
        # ``folder`` is resolved: only a symlinked file needs resolving (and may leave the root)
        rel = (
            _rel(root_resolved, path.resolve())
            if path.is_symlink()
            else f"{folder_rel}/{path.name}".removeprefix("./")
        )
        match = NAME.match(path.name)
        if match is None:
            inventory.skipped.append(path.name)
            inventory.problems.append(
                Problem(
                    "migration-name-invalid",
                    f"{path.name} does not match <digits>_<name>.sql; the Supabase CLI skips it",
                    rel,
                    migration=path.name,
                )
            )
            continue
        version = match.group(1)
        if version in seen:
            inventory.skipped.append(path.name)
            inventory.problems.append(
                Problem(
                    "migration-duplicate-version",
                    f"{path.name} has the same version {version} as {seen[version]}",
                    rel,
                    migration=path.name,
                    data={"version": version},
                )
            )
            continue
        seen[version] = path.name
        if not _is_timestamp(version):
            inventory.problems.append(
                Problem(
                    "migration-version-not-timestamp",
                    f"version {version} of {path.name} is not a valid YYYYMMDDHHMMSS timestamp",
                    rel,
                    migration=path.name,
                    data={"version": version},
                )
            )
        data = read_bytes(path, allow_empty=True)
        text = decode_utf8(data, rel)
        refuse_nul(text, rel)
        inventory.migrations.append(
            MigrationFile(
                path.name, version, path, rel, hashlib.sha256(data).hexdigest(), text, len(data)
            )
        )
    return inventory


def check_rollbacks(
    root: Path, inventory: Inventory, down: str
) -> tuple[dict[str, Path], list[Problem]]:
    """Rollback file of each migration (``<down>/<same name>``) and the problems found."""
    folder = resolve_inside(root, down)
    if not folder.is_dir():
        raise InputError(f"{down}: rollback folder not found")
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    names = {m.name for m in inventory.migrations}
    for migration in inventory.migrations:
        if (folder / migration.name).is_file():
            found[migration.name] = resolve_inside(root, Path(down) / migration.name)
        else:
            problems.append(
                Problem(
                    "rollback-missing",
                    f"{migration.name} has no rollback {down}/{migration.name}",
                    migration.rel,
                    migration=migration.name,
                )
            )
    for path in sorted(folder.glob("*.sql")):
        if path.name not in names and path.name not in inventory.skipped:
            problems.append(
                Problem(
                    "rollback-orphan",
                    f"rollback {path.name} matches no migration",
                    _rel(root, path.resolve()),
                    migration=path.name,
                )
            )
    return found, problems
