"""The gate's side of the dry run: pick the database, run, put timings and diffs in details."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gates.checks.migrations import sqlsource
from gates.checks.migrations.dry_run import run, scratch_database
from gates.checks.migrations.dry_types import Script
from gates.checks.migrations.ephemeral_pg import ephemeral_cluster
from gates.checks.migrations.inventory import Inventory
from gates.checks.migrations.live import LiveOptions
from gates.checks.migrations.problem import Problem
from gates.io.safe import read_text

if TYPE_CHECKING:
    from collections.abc import Iterator

    from gates.checks.base import GateContext
    from gates.checks.migrations.options import DryRunOptions


@dataclass(frozen=True)
class DryRunOutcome:
    """What the gate keeps of a dry run beside ``details``."""

    problems: list[Problem]
    server_version: str
    """``SHOW server_version`` of the PostgreSQL that ran the migrations ("" if none answered)."""
    unavailable: str | None
    """Why the dry run could not judge (an extension the server lacks), else ``None``."""


def dry_run(
    options: DryRunOptions,
    ctx: GateContext,
    inventory: Inventory,
    parsed: Mapping[str, sqlsource.SqlFile],
    rollbacks: Mapping[str, Path] | None,
    locked: set[str] | None,
    deadline: float,
    details: dict[str, Any],
    lint: Sequence[Problem] = (),
) -> DryRunOutcome:
    """Run the dry run; fill ``details['dry_run']`` and ``details['dry_run_rows']``."""
    scripts = [Script(m.name, m.rel, parsed[m.name]) for m in inventory.migrations]
    downs = {}
    for name, path in (rollbacks or {}).items():
        rel = path.relative_to(ctx.root.resolve()).as_posix()
        text = read_text(path, allow_empty=True)
        sqlsource.refuse_nul(text, rel)
        downs[name] = Script(name, rel, sqlsource.parse(text))
    new = {m.name for m in inventory.migrations if locked is None or m.name not in locked}
    live = LiveOptions(
        applied=frozenset(locked or ()), data=options.data, probe=options.probe, lint=lint
    )
    dump_info: dict[str, Any] = {}
    if options.restore is not None:
        live.restore = _restorer(options, ctx, deadline, dump_info)
    started = time.monotonic()
    with _database(options, ctx, deadline) as (conninfo, label):
        result = run(
            conninfo,
            scripts,
            downs,
            new,
            preset=options.preset if options.preset != "none" else None,
            deadline=deadline,
            live=live,
        )
    failed = {p.rule for p in result.problems}
    outcome = "failed" if failed else ("up/down/up ok" if downs and new else "applied")
    details["dry_run"] = {
        "database": label,
        "server_version": result.server,
        "preset": options.preset,
        "duration_s": round(time.monotonic() - started, 3),
        "outcome": outcome,
        "schema_diffs": result.diffs,
    }
    if dump_info:
        result.live.setdefault("restore", {}).update(dump_info)
    details["dry_run"].update(result.live)
    details["dry_run_rows"] = result.rows
    details["dry_run_series"] = result.series
    if result.unavailable:
        details["dry_run"]["outcome"] = "not judged"
    return DryRunOutcome(result.problems, result.server, result.unavailable or None)


def _restorer(
    options: DryRunOptions, ctx: GateContext, deadline: float, info: dict[str, Any]
) -> Callable[[str], None]:
    """Check the dump now (missing, not a dump, too old: error before any cluster starts);
    the returned function restores it once the database is ready."""
    from gates.checks.migrations import restore
    from gates.checks.migrations.ephemeral_pg import find_bin_dir

    assert options.restore is not None
    rel = options.restore
    path = ctx.path(rel)
    bin_dir = find_bin_dir(ctx.environ)
    dump = restore.check(path, rel, bin_dir=bin_dir, max_age_s=options.max_age)
    ctx.record(path)
    info.update(
        {
            "dump": rel,
            "format": dump.format,
            "created": dump.created.isoformat(timespec="seconds"),
            "age_h": round(dump.age_s / 3600, 2),
        }
    )

    def apply(conninfo: str) -> None:
        left = max(5.0, deadline - time.monotonic())
        info["restore_s"] = restore.restore(
            dump, rel, conninfo, bin_dir=bin_dir, timeout=left, log_path=ctx.log_path
        )

    return apply


@contextmanager
def _ephemeral(ctx: GateContext, deadline: float) -> Iterator[tuple[str, str]]:
    budget = max(5.0, min(60.0, deadline - time.monotonic()))
    with ephemeral_cluster(ctx.environ, timeout=budget, log_path=ctx.log_path) as cluster:
        yield cluster.conninfo, f"ephemeral ({cluster.version})"


@contextmanager
def _scratch(dsn: str, deadline: float) -> Iterator[tuple[str, str]]:
    with scratch_database(dsn, deadline) as conninfo:
        yield conninfo, "scratch database on the dsn server"


def _database(
    options: DryRunOptions, ctx: GateContext, deadline: float
) -> AbstractContextManager[tuple[str, str]]:
    if options.dsn is not None:
        return _scratch(options.dsn, deadline)
    return _ephemeral(ctx, deadline)
