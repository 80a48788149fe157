"""A throwaway PostgreSQL cluster for the dry run: initdb + pg_ctl in a temp dir under /tmp.

- Binaries: ``$GATES_PG_BIN`` or the newest ``/usr/lib/postgresql/*/bin`` (Debian), else the
  folder of ``initdb`` on PATH. Missing => :class:`~gates.errors.ToolMissing` (gate ``error``).
- As root (initdb and postgres refuse root) everything runs as ``postgres`` (or ``nobody``) via
  ``runuser -u USER --``; the temp dir sits directly under /tmp (pytest's 0700 temp dirs are not
  reachable by that user) and is chowned to it.
- No TCP: ``listen_addresses=''``; the socket lives in the temp dir (``-k``) under a free port
  number. fsync off: it is a throwaway.
- Lifetime: stopped with ``pg_ctl -m immediate stop`` and removed in ``finally`` (timeouts,
  exceptions, KeyboardInterrupt). pg_ctl detaches the postmaster into its own session; its
  process group is registered with :func:`gates.process.tracked_group`, so SIGINT/SIGTERM of
  ``gates run`` (which kills tracked groups) stops it too. Against SIGKILL of gates a small
  watchdog (``setsid -f sh``) polls the gates pid every second and, once gates is gone, stops
  the cluster and deletes the dir. It is a warden (:data:`gates.process.WARDEN_MARK`): the tree
  kill of a worker whose cleanup overran its grace spares it, so it finishes that cleanup. If
  even the watchdog dies, PostgreSQL shuts itself down within about a minute once its data
  directory's lock file is gone.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from gates.errors import ToolError, ToolMissing
from gates.process import WARDEN_MARK, kill_group, run_tool, tracked_group

_NEEDED = ("initdb", "pg_ctl", "postgres")


@dataclass(frozen=True)
class Cluster:
    """A running throwaway cluster."""

    conninfo: str
    """libpq connection string (unix socket in the temp dir, user postgres, db postgres)."""
    directory: Path
    pid: int
    """Postmaster pid (= its process group)."""
    version: str


def find_bin_dir(environ: Mapping[str, str]) -> Path:
    """The folder holding initdb, pg_ctl and postgres."""
    candidates: list[Path] = []
    if environ.get("GATES_PG_BIN"):  # an explicit choice: only that folder
        folder = Path(environ["GATES_PG_BIN"])
        if all((folder / name).is_file() for name in _NEEDED):
            return folder
        raise ToolMissing(f"GATES_PG_BIN={folder}: initdb, pg_ctl or postgres missing there")
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)] or [0],
    )
    candidates.extend(reversed(debian))
    on_path = shutil.which("initdb", path=environ.get("PATH"))
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if all((folder / name).is_file() for name in _NEEDED):
            return folder
    raise ToolMissing(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: install "
        "Debian's postgresql or set GATES_PG_BIN"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> tuple[list[str], str | None]:
    if os.geteuid() != 0:
        return [], None
    if shutil.which("runuser") is None:
        raise ToolMissing("running as root needs runuser (util-linux) to start PostgreSQL")
    import pwd

    for user in ("postgres", "nobody"):
        with suppress(KeyError):
            pwd.getpwnam(user)
            return ["runuser", "-u", user, "--"], user
    raise ToolError("running as root needs an unprivileged 'postgres' user to start PostgreSQL")


@contextmanager
def ephemeral_cluster(
    environ: Mapping[str, str], *, timeout: float, log_path: Path | None = None
) -> Iterator[Cluster]:
    """Start a cluster, yield it, and always stop and delete it."""
    bin_dir = find_bin_dir(environ)
    prefix, user = _run_as()
    # Directly under /tmp by default: the postgres user must be able to reach it (a root-owned
    # 0700 temp dir such as pytest's would not do). GATES_PG_PARENT picks another parent.
    parent = environ.get("GATES_PG_PARENT") or "/tmp"  # noqa: S108 - mkdtemp: unique, 0700
    directory = Path(tempfile.mkdtemp(prefix="gates-pg-", dir=parent))
    data = directory / "data"
    env = {"PATH": environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
    pid: int | None = None
    try:
        if user is not None:
            shutil.chown(directory, user, user)
        # first, so that no moment exists where a killed gates leaves a cluster behind
        _start_watchdog(directory, data, bin_dir, prefix, env, log_path)
        run = run_tool(
            [
                *prefix,
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            timeout=timeout,
            env=env,
            log_path=log_path,
        )
        if run.returncode != 0:
            raise ToolError(f"initdb failed ({run.describe_exit}): {run.stderr.strip()[-300:]}")
        port = _free_port()
        opts = (
            f"-p {port} -k {shlex.quote(str(directory))} -c listen_addresses='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        run = run_tool(
            [
                *prefix,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(directory / "postgres.log"),
                "-w",
                "-t",
                str(int(max(timeout, 5))),
                "-o",
                opts,
                "start",
            ],
            timeout=timeout + 5,
            env=env,
            log_path=log_path,
            keep_daemons=True,  # the postmaster: tracked below, stopped in finally
        )
        pid = _postmaster_pid(data)
        if run.returncode != 0 or pid is None:
            raise ToolError(f"pg_ctl start failed ({run.describe_exit}): {_tail(directory)}")
        version = run_tool([str(bin_dir / "postgres"), "--version"], timeout=30).stdout.strip()
        with tracked_group(pid):
            yield Cluster(
                f"host={directory} port={port} user=postgres dbname=postgres",
                directory,
                pid,
                version,
            )
    finally:
        _stop(prefix, bin_dir, data, pid or _postmaster_pid(data), env, log_path)
        shutil.rmtree(directory, ignore_errors=True)


def _postmaster_pid(data: Path) -> int | None:
    with suppress(OSError, ValueError, IndexError):
        return int((data / "postmaster.pid").read_text().splitlines()[0])
    return None


def _tail(directory: Path) -> str:
    with suppress(OSError):
        return (directory / "postgres.log").read_text(errors="replace").strip()[-300:]
    return ""


def _stop(
    prefix: list[str],
    bin_dir: Path,
    data: Path,
    pid: int | None,
    env: Mapping[str, str],
    log_path: Path | None,
) -> None:
    if pid is None:
        return
    with suppress(ToolError, OSError):
        run_tool(
            [
                *prefix,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "immediate",
                "-w",
                "-t",
                "20",
                "stop",
            ],
            timeout=30,
            env=env,
            log_path=log_path,
        )
    kill_group(pid, grace=2.0)  # no-op when pg_ctl stopped it


def _start_watchdog(
    directory: Path,
    data: Path,
    bin_dir: Path,
    prefix: list[str],
    env: Mapping[str, str],
    log_path: Path | None,
) -> None:
    """Stop and delete the cluster if this gates process dies without cleaning up (SIGKILL)."""
    if shutil.which("setsid") is None:
        return
    d = shlex.quote(str(directory))
    stop = shlex.join(
        # -t: bounded. pg_ctl waits its whole timeout (60 s by default) for a postmaster that
        # is a zombie (killed with the worker, not yet reaped), and the cluster's directory is
        # removed only after it returns
        [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-t", "5", "stop"]
    )
    # Alive means running, not only present: a killed gates process whose parent never waits
    # (a subreaper that does not reap, a container's PID 1) stays a zombie, `kill -0` succeeds
    # on it for ever, and the cluster was never removed. The state letter follows the last ")".
    state = f"/proc/{os.getpid()}/stat"
    script = (
        "exec </dev/null >/dev/null 2>&1; "
        f'alive() {{ s=$(sed "s/.*) //" {state} 2>/dev/null | cut -c1); [ -n "$s" ] && '
        '[ "$s" != Z ]; }; '
        f"while alive && [ -d {d} ]; "
        f"do sleep 1; done; if [ -d {d} ]; then {stop}; rm -rf {d}; fi"
    )
    with suppress(ToolError, OSError):
        run_tool(
            ["setsid", "-f", "/bin/sh", "-c", script],
            timeout=10,
            env={**env, WARDEN_MARK: "postgres"},  # outlives a worker killed mid-cleanup
            log_path=log_path,
            keep_daemons=True,
        )
