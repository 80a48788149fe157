"""The migrations lock file: sha256 and name of every migration already applied somewhere.

Format (text, UTF-8, one migration a line, in order; ``#`` lines are comments)::

    # gates migrations lock v1 — written by `gates migrations lock`
    3f0a…64 hex digits…9c  20240101120000_init.sql
    b81e…64 hex digits…07  20240102090000_profiles.sql

It is the ``sha256sum`` format, so ``cd supabase/migrations && sha256sum -c ../migrations.lock``
checks it too. Run ``gates migrations lock`` after the migrations were applied to an environment
(release): from then on an edited or deleted locked migration is blocking, and a new migration
older than the newest locked one is out of order.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gates.checks.migrations.inventory import NAME, Inventory, MigrationFile
from gates.checks.migrations.problem import Problem
from gates.errors import InputError
from gates.io.safe import read_text

HEADER = "# gates migrations lock v1 — written by `gates migrations lock`; format: sha256sum"
_LINE = re.compile(r"^([0-9a-f]{64}) [ *](\S.*)$")


@dataclass(frozen=True)
class LockEntry:
    """One locked migration."""

    name: str
    sha256: str
    line: int


def parse(text: str, name: str) -> list[LockEntry]:
    """Entries of a lock file; any malformed line is an :class:`InputError` naming it."""
    entries: list[LockEntry] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise InputError(f"{name}:{number}: not '<sha256>  <file name>': {line[:80]!r}")
        sha, migration = match.group(1), match.group(2).strip()
        if NAME.match(migration) is None:
            raise InputError(f"{name}:{number}: {migration!r} is not a migration file name")
        if migration in seen:
            raise InputError(f"{name}:{number}: {migration} is listed twice")
        seen.add(migration)
        entries.append(LockEntry(migration, sha, number))
    return entries


def load(path: Path, rel: str) -> list[LockEntry]:
    """Read and parse the lock file at ``path``."""
    if not path.is_file():
        raise InputError(f"{rel}: lock file not found; run `gates migrations lock` to create it")
    entries = parse(read_text(path, allow_empty=True), rel)
    if not entries:
        # an emptied lock would make every applied migration "new", so edits to them would pass
        raise InputError(f"{rel}: the lock file lists no migrations; run `gates migrations lock`")
    return entries


def render(migrations: Sequence[MigrationFile]) -> str:
    """Lock file text for ``migrations``."""
    return HEADER + "\n" + "".join(f"{m.sha256}  {m.name}\n" for m in migrations)


def write(path: Path, migrations: Sequence[MigrationFile]) -> None:
    """Write the lock file atomically (temp file in the same folder, fsync, replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".lock-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(render(migrations))
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_against_base(
    base: Sequence[LockEntry], current: Sequence[LockEntry], lock_rel: str, base_ref: str
) -> list[Problem]:
    """Entries of the base branch's lock that this change removed or re-hashed."""
    now = {e.name: e for e in current}
    problems = []
    for entry in base:
        found = now.get(entry.name)
        if found is not None and found.sha256 == entry.sha256:
            continue
        what = "removed" if found is None else "re-hashed"
        problems.append(
            Problem(
                "lock-rewritten",
                f"{entry.name}: its lock entry at {base_ref} was {what} by this change",
                lock_rel,
                found.line if found is not None else None,
                entry.name,
                entry.name,
                {"base_sha256": entry.sha256, "sha256": found.sha256 if found else None},
            )
        )
    return problems


def check(inventory: Inventory, entries: Sequence[LockEntry], lock_rel: str) -> list[Problem]:
    """Changed, vanished and out-of-order migrations against the lock."""
    problems: list[Problem] = []
    files = {m.name: m for m in inventory.migrations}
    for entry in entries:
        migration = files.get(entry.name)
        if migration is None:
            problems.append(
                Problem(
                    "migration-vanished",
                    f"{entry.name} is in the lock but no longer in the folder",
                    lock_rel,
                    entry.line,
                    entry.name,
                    entry.name,
                )
            )
        elif migration.sha256 != entry.sha256:
            problems.append(
                Problem(
                    "migration-changed",
                    f"{entry.name} was applied with sha256 {entry.sha256[:12]}… but is now "
                    f"{migration.sha256[:12]}…",
                    migration.rel,
                    None,
                    entry.name,
                    entry.name,
                    {"locked_sha256": entry.sha256, "sha256": migration.sha256},
                )
            )
    locked = {e.name for e in entries}
    newest = max((int(m.group(1)) for e in entries if (m := NAME.match(e.name))), default=None)
    for migration in inventory.migrations:
        if newest is not None and migration.name not in locked and int(migration.version) < newest:
            problems.append(
                Problem(
                    "migration-out-of-order",
                    f"new migration {migration.name} is older than the newest locked one "
                    f"(version {newest})",
                    migration.rel,
                    None,
                    migration.name,
                    migration.name,
                )
            )
    return problems
