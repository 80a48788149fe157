"""``probe:``: live traffic while a new migration applies, and the locks it takes, measured.

While the migration's backend runs its file, one connection samples ``pg_locks`` for that
backend (relation locks on tables and views: mode, granted, first and last time seen) and, per
table the file names, a reader (``SELECT 1 FROM t LIMIT 1``) and a writer
(``LOCK TABLE t IN ROW EXCLUSIVE MODE`` in a transaction rolled back: the lock every INSERT,
UPDATE and DELETE takes first, without changing a row or firing a trigger) run every
``interval`` with ``lock_timeout`` set to twice
``max_blocked``. Each probe's wait is its duration; a probe that hit its lock_timeout waited at
least that long. Which statement took a lock is the statement running when the lock was first
seen (statement starts are marked by the dry run as it sends them).
"""

# ruff: noqa: S608  (table names are quoted by the server: format('%I.%I'))
from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gates.model import Sample, Series

LOCK_MODES = (
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
)
"""PostgreSQL's table lock modes, weakest first."""

_LOCKS = """
    SELECT format('%%I.%%I', n.nspname, c.relname), l.mode, l.granted
    FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE l.pid = %s AND l.locktype = 'relation' AND c.relkind IN ('r', 'p', 'v', 'm')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
"""

MAX_TABLES = 8
"""Probe at most this many tables per migration (two connections each)."""


def mode_name(mode: str) -> str:
    """``AccessExclusiveLock`` -> ``ACCESS EXCLUSIVE``."""
    words: list[str] = []
    for ch in mode.removesuffix("Lock"):
        if ch.isupper() and words:
            words.append(" ")
        words.append(ch.upper())
    return "".join(words)


@dataclass(frozen=True)
class LockSpan:
    """A lock the migration's backend held (or waited for) on one table."""

    table: str
    mode: str
    granted: bool
    from_s: float
    to_s: float
    line: int | None
    """The statement running when it was first seen."""


@dataclass(frozen=True)
class Wait:
    """One probe query: when it started (seconds after the apply started), how long it took."""

    table: str
    kind: str
    """``read`` or ``write``."""
    at_s: float
    waited_s: float
    """Seconds it waited for a lock: its duration when it was seen waiting in pg_locks or hit
    its lock_timeout, else 0 (a slow answer on a busy machine is not blocking)."""
    timed_out: bool
    took_s: float = 0.0
    """Its whole duration."""
    pid: int = 0
    """The probe's backend."""


@dataclass
class ProbeResult:
    """What one migration's apply did to the traffic on its tables."""

    started_at: str
    duration_s: float = 0.0
    locks: list[LockSpan] = field(default_factory=list)
    waits: list[Wait] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    stopped: dict[str, str] = field(default_factory=dict)
    """Probes that stopped on an error other than their lock_timeout (table dropped...)."""

    def longest(self, table: str) -> Wait | None:
        """The longest probe wait on ``table``."""
        mine = [w for w in self.waits if w.table == table]
        return max(mine, key=lambda w: w.waited_s) if mine else None

    def strongest(self, table: str, at_s: float, until_s: float) -> LockSpan | None:
        """The strongest granted lock on ``table`` overlapping ``[at_s, until_s]``."""
        spans = [
            s
            for s in self.locks
            if s.table == table and s.granted and s.from_s <= until_s and s.to_s >= at_s - 0.05
        ] or [s for s in self.locks if s.table == table and s.granted]
        return max(spans, key=lambda s: LOCK_MODES.index(s.mode)) if spans else None

    def series(self, migration: str) -> list[Series]:
        """Typed time series for the report: probe waits per table (ms) and locks held."""
        out = []
        for table in self.tables:
            samples = tuple(
                Sample(
                    round(w.at_s, 4),
                    round(w.waited_s * 1000, 2),
                    ok=not w.timed_out,
                    note=w.kind + (" (lock_timeout)" if w.timed_out else ""),
                )
                for w in self.waits
                if w.table == table
            )
            if samples:
                out.append(
                    Series(f"{migration}: probe wait on {table}", "ms", self.started_at, samples)
                )
        for span in self.locks:
            note = f"line {span.line}" if span.line else ""
            out.append(
                Series(
                    f"{migration}: {mode_name(span.mode)} on {span.table}"
                    + ("" if span.granted else " (waiting)"),
                    "lock held",
                    self.started_at,
                    (
                        Sample(round(span.from_s, 4), 1.0, note=note),
                        Sample(round(span.to_s, 4), 1.0, note=note),
                    ),
                )
            )
        return out


class Probe:
    """Start with :meth:`start` right before the apply, :meth:`stop` right after it."""

    def __init__(
        self,
        connect: Any,
        tables: Sequence[str],
        backend_pid: int,
        *,
        interval: float,
        max_blocked: float,
    ) -> None:
        self.connect = connect
        self.tables = list(tables)[:MAX_TABLES]
        self.pid = backend_pid
        self.interval = interval
        self.lock_timeout_ms = max(10, int(max_blocked * 2000))
        self.stopping = threading.Event()
        self.t0 = 0.0
        self.statements: list[tuple[float, int]] = []
        self.samples: list[tuple[float, float, str, str, bool]] = []
        """(asked at, answered at, table, mode, granted): the lock was held at a moment between."""
        self.blocked: list[tuple[float, int]] = []
        """(time, probe backend pid) seen waiting for a lock in pg_locks."""
        self.probe_pids: list[int] = []
        self.waits: list[Wait] = []
        self.threads: list[threading.Thread] = []
        self.conns: list[Any] = []
        self.result = ProbeResult(datetime.now(UTC).isoformat(timespec="milliseconds"))
        self.result.tables = self.tables

    def mark(self, line: int, conn: Any) -> None:
        """The dry run sends the statement starting at ``line`` now on ``conn``; line 0: it is
        about to COMMIT, so the locks the file holds are read from ``conn`` itself (a lock held
        for less than a sampling interval is seen too)."""
        at = time.monotonic() - self.t0
        if line:
            self.statements.append((at, line))
            return
        rows = conn.execute(_LOCKS, (self.pid,)).fetchall()
        answered = time.monotonic() - self.t0
        self.samples += [(at, answered, table, mode, granted) for table, mode, granted in rows]

    def start(self) -> None:
        self.t0 = time.monotonic()
        jobs: list[tuple[Any, Any]] = [(self._sample, None)]
        for table in self.tables:
            jobs += [(self._read, table), (self._write, table)]
        for job, table in jobs:
            conn = self.connect()
            conn.execute(f"SET lock_timeout = {self.lock_timeout_ms}")
            conn.execute("SET statement_timeout = 0")
            if table is not None:
                self.probe_pids.append(conn.info.backend_pid)
            self.conns.append(conn)
            thread = threading.Thread(target=job, args=(conn, table), daemon=True)
            self.threads.append(thread)
        for thread in self.threads:
            thread.start()
        time.sleep(min(self.interval, 0.05))  # a probe round before the first statement

    def stop(self) -> ProbeResult:
        self.result.duration_s = round(time.monotonic() - self.t0, 4)
        time.sleep(min(self.interval, 0.05))  # a probe round after the last statement
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=self.lock_timeout_ms / 1000 + 5)
        for conn in self.conns:
            with suppress(Exception):
                conn.close()
        self.result.waits = sorted(
            (self._blocked_time(w) for w in self.waits), key=lambda w: w.at_s
        )
        self.result.locks = self._spans()
        return self.result

    def _sample(self, conn: Any, _table: None) -> None:
        query = _LOCKS
        pause = min(self.interval / 2, 0.02)
        while not self.stopping.is_set():
            at = time.monotonic() - self.t0
            try:
                rows = conn.execute(query, (self.pid,)).fetchall()
            except Exception:
                return
            answered = time.monotonic() - self.t0
            self.samples += [(at, answered, table, mode, granted) for table, mode, granted in rows]
            self.stopping.wait(pause)

    def _read(self, conn: Any, table: str) -> None:
        self._loop(conn, table, "read", [f"SELECT 1 FROM {table} LIMIT 1"])

    def _write(self, conn: Any, table: str) -> None:
        kind = conn.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", (table,))
        if kind.fetchone() not in (("r",), ("p",)):
            return  # views are read, not written
        self._loop(
            conn,
            table,
            "write",
            ["BEGIN", f"LOCK TABLE {table} IN ROW EXCLUSIVE MODE", "ROLLBACK"],
        )

    def _loop(self, conn: Any, table: str, kind: str, statements: list[str]) -> None:
        import psycopg

        pid = conn.info.backend_pid
        while not self.stopping.is_set():
            started = time.monotonic()
            timed_out = False
            try:
                for sql in statements:
                    conn.execute(sql)
            except psycopg.Error as exc:
                timed_out = exc.diag.sqlstate == "55P03"  # lock_not_available
                try:
                    conn.execute("ROLLBACK")
                except psycopg.Error:
                    return
                if not timed_out:
                    # the table is gone or renamed: nothing more to probe, said in the report
                    self.result.stopped[f"{table} {kind}"] = (exc.diag.message_primary or "")[:200]
                    return
            took = time.monotonic() - started
            self.waits.append(Wait(table, kind, started - self.t0, took, timed_out, took, pid))
            self.stopping.wait(self.interval)

    def _blocked_time(self, raw: Wait) -> Wait:
        """The probe's lock wait: its duration if pg_locks showed it waiting or it timed out."""
        start, end = raw.at_s, raw.at_s + raw.took_s
        seen = any(p == raw.pid and start <= at <= end for at, p in self.blocked)
        waited = raw.took_s if (raw.timed_out or seen) else 0.0
        return Wait(raw.table, raw.kind, raw.at_s, waited, raw.timed_out, raw.took_s, raw.pid)

    def _line(self, asked: float, answered: float) -> int | None:
        """The statement that held a lock first seen by a sample asked at ``asked`` and answered
        at ``answered``: the last one sent before the sample was asked; if none was, the statement
        sent while the sample was in flight (on a busy machine a sample can take longer than the
        gap between the file's first statement and its lock)."""
        before = [line for started, line in self.statements if started <= asked]
        if before:
            return before[-1]
        during = [line for started, line in self.statements if started <= answered]
        return during[0] if during else None

    def _spans(self) -> list[LockSpan]:
        seen: dict[tuple[str, str, bool], list[tuple[float, float]]] = {}
        for at, answered, table, mode, granted in self.samples:
            seen.setdefault((table, mode, granted), []).append((at, answered))
        spans = []
        for (table, mode, granted), times in seen.items():
            first, answered = min(times)
            spans.append(
                LockSpan(
                    table,
                    mode,
                    granted,
                    first,
                    max(t for t, _ in times),
                    self._line(first, answered),
                )
            )
        return sorted(spans, key=lambda s: (s.from_s, s.table))
