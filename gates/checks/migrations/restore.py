"""``restore:``: a pg_dump file (custom or plain format) restored before the new migrations.

The backup you would roll back to must be known to restore: a file that is not a pg_dump
archive, is older than ``max_age`` (the archive's own creation time for the custom format, the
file's modification time for plain SQL), or does not restore without an error makes the dry run
an ``error``. Custom archives are restored with ``pg_restore --clean --if-exists --no-owner
--exit-on-error`` (objects of the preset that the dump also holds are replaced by the dump's);
plain SQL with ``psql -X -v ON_ERROR_STOP=1`` (make it with ``pg_dump --clean --if-exists`` when
it holds the preset's schemas). The client binaries come from the server's folder (same major
version).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gates.errors import ToolError
from gates.process import run_tool

_CREATED = re.compile(r"^;\s+Archive created at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?: (\w+))?", re.M)


@dataclass(frozen=True)
class Dump:
    """A checked dump file."""

    path: Path
    format: str
    """``custom`` or ``plain``."""
    created: datetime
    age_s: float


def check(path: Path, rel: str, *, bin_dir: Path, max_age_s: float) -> Dump:
    """The dump's format and age; ToolError when it is no dump or too old."""
    if not path.is_file():
        raise ToolError(f"restore: {rel} does not exist (the backup to verify is missing)")
    with path.open("rb") as handle:
        head = handle.read(8192)
    if head.startswith(b"PGDMP"):
        listing = run_tool([str(bin_dir / "pg_restore"), "-l", str(path)], timeout=60)
        found = _CREATED.search(listing.stdout)
        if listing.returncode != 0 or found is None:
            raise ToolError(
                f"restore: {rel} is not a readable pg_dump archive: "
                f"{listing.stderr.strip()[-300:] or 'no creation time in its header'}"
            )
        stamp = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S")
        # pg_restore prints the archive's time with its zone's abbreviation; other than UTC it
        # is this machine's local time
        utc = found.group(2) in ("UTC", "GMT", "Z")
        created = stamp.replace(tzinfo=UTC) if utc else stamp.astimezone(UTC)
        fmt = "custom"
    elif b"PostgreSQL database dump" in head:
        created = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        fmt = "plain"
    else:
        raise ToolError(f"restore: {rel} is neither a pg_dump custom archive nor a plain SQL dump")
    age = time.time() - created.timestamp()
    if age > max_age_s:
        raise ToolError(
            f"restore: {rel} was made {age / 86400:.1f} days ago, older than max_age "
            f"({max_age_s / 86400:g} days): the backup you would roll back to is stale"
        )
    return Dump(path, fmt, created, age)


def restore(
    dump: Dump, rel: str, conninfo: str, *, bin_dir: Path, timeout: float, log_path: Path | None
) -> float:
    """Restore ``dump`` into the database at ``conninfo``; seconds it took. ToolError when it
    does not restore."""
    if dump.format == "custom":
        argv = [
            str(bin_dir / "pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--exit-on-error",
            "-d",
            conninfo,
            str(dump.path),
        ]
    else:
        argv = [
            str(bin_dir / "psql"),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            conninfo,
            "-f",
            str(dump.path),
        ]
    started = time.monotonic()
    run = run_tool(argv, timeout=timeout, log_path=log_path)
    if run.returncode != 0:
        tail = (run.stderr or run.stdout).strip()[-400:]
        raise ToolError(f"restore: {rel} does not restore ({run.describe_exit}): {tail}")
    return round(time.monotonic() - started, 3)
