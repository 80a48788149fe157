"""Running Lighthouse for the ``lighthouse`` gate: start the app server, wait for it, run, clean up.

The server runs in its own session (process group), tracked by :func:`gates.process.background`
so an interrupt kills it, and its whole group is killed in ``finally`` whatever happens: killing
``npx``/``npm`` alone leaves ``vite preview`` running. Each Lighthouse run goes
through :meth:`GateContext.run` (its own group, a deadline). chrome-launcher may start Chromium
outside Lighthouse's group, so every run passes a marker switch (``--gates-lighthouse=<token>``,
ignored by Chromium) and any process still carrying it afterwards is killed.

The long-running server is started by :func:`gates.process.background` (new session, stdin
closed, output to the gate's log, group killed on the way out).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from gates.errors import ToolError, ToolMissing
from gates.process import background, split_command

CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
"""``--no-sandbox`` because CI runs as root; the rest stop Chromium's own network chatter."""
DEFAULT_CHROME = "/usr/bin/chromium"


@dataclass
class Server:
    """A started server: its process (the group leader) and where it logs."""

    process: subprocess.Popen[bytes]
    log_path: Path


@contextmanager
def running_server(
    command: str, *, cwd: Path, env: Mapping[str, str], log_path: Path
) -> Iterator[Server]:
    """Start the server in its own group, yield it, and kill the whole group on the way out."""
    with background(split_command(command), cwd=cwd, env=env, log_path=log_path) as proc:
        yield Server(process=proc, log_path=log_path)


def wait_until_answers(url: str, server: Server, timeout: float) -> float:
    """Poll ``url`` until any HTTP response arrives; return seconds waited.

    Raises ToolError when the server exits first or ``timeout`` passes (bounded, never a hang).
    """
    started = time.monotonic()
    while True:
        if server.process.poll() is not None:
            raise ToolError(
                f"the server exited with {server.process.returncode} before {url} "
                f"answered; see {server.log_path.name}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - http(s) URL from the checklist
                return time.monotonic() - started
        except urllib.error.HTTPError:
            return time.monotonic() - started  # any status means the server answers
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() - started > timeout:
            raise ToolError(f"{url} did not answer within {timeout:g}s (server.ready_timeout)")
        time.sleep(0.25)


def new_marker() -> str:
    """A token put on Chromium's command line to find it afterwards."""
    return f"--gates-lighthouse={uuid.uuid4().hex}"


def lighthouse_argv(
    binary: str,
    url: str,
    output: Path,
    *,
    marker: str,
    preset: str,
    throttling: str | None,
    categories: list[str] | None,
    profile: str | None = None,
    cpu_slowdown: float | None = None,
    only_audits: list[str] | None = None,
) -> list[str]:
    """The Lighthouse CLI command line for one run.

    ``profile``: a Chromium profile holding the deployment's bypass cookie (gates/web/bypass.py);
    storage is then not reset, or Lighthouse would clear that cookie before loading the page."""
    flags = (*CHROME_FLAGS, marker, *([f"--user-data-dir={profile}"] if profile else []))
    argv = [
        binary,
        url,
        "--output=json",
        f"--output-path={output}",
        "--quiet",
        f"--chrome-flags={' '.join(flags)}",
        *(["--disable-storage-reset"] if profile else []),
    ]
    if preset == "desktop":
        argv.append("--preset=desktop")
    if throttling:
        argv.append(f"--throttling-method={throttling}")
    if categories:
        argv.append(f"--only-categories={','.join(categories)}")
    if only_audits:
        argv.append(f"--only-audits={','.join(only_audits)}")
    if cpu_slowdown is not None:
        argv.append(f"--throttling.cpuSlowdownMultiplier={cpu_slowdown:.3g}")
    return argv


def kill_marked(marker: str) -> int:
    """Kill every process whose command line carries ``marker``; return how many there were."""
    killed = 0
    needle = marker.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if needle in cmdline:
            with suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry.name), signal.SIGKILL)
                killed += 1
    return killed


def chrome_path(environ: Mapping[str, str]) -> str:
    """The one Chromium of every browser gate (:func:`gates.checks.base.chromium_path`)."""
    from gates.checks.base import chromium_path

    return chromium_path(environ)


LOCAL_BIN = "node_modules/.bin/lighthouse"
INSTALL_HINT = "npm i -D lighthouse@12.2.3"


def find_lighthouse(option: str | None, root: Path, environ: Mapping[str, str]) -> Path:
    """The Lighthouse CLI: the ``lighthouse:`` option (a path, relative to the project, or a
    command name looked up on PATH), else the project's ``node_modules/.bin/lighthouse``, else
    ``lighthouse`` on PATH. A tool, not evidence: ``node_modules`` may be a symlink (a
    workspace), so the path is not required to resolve inside the project."""
    path_var = environ.get("PATH", os.defpath)
    if option is not None:
        if "/" in option or "\\" in option:
            configured = Path(option)
            binary = configured if configured.is_absolute() else root / configured
            if binary.exists():
                return binary
        elif found := shutil.which(option, path=path_var):
            return Path(found)
        raise ToolMissing(
            f"Lighthouse not found at {option} (the gate's `lighthouse:` option); install it "
            f"with `{INSTALL_HINT}` or point `lighthouse:` at its CLI"
        )
    local = root / LOCAL_BIN
    if local.exists():
        return local
    if found := shutil.which("lighthouse", path=path_var):
        return Path(found)
    raise ToolMissing(
        f"Lighthouse not found: not in the project's {LOCAL_BIN} nor on PATH; install it with "
        f"`{INSTALL_HINT}`, or set the gate's `lighthouse:` option to its CLI"
    )
