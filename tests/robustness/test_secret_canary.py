"""Secrets never leak, whatever happens to the run (issue 13).

Real ``gates run`` processes (``python -m gates``, its own stdout/stderr) with a unique canary
in each place a secret can come from: a ``${VAR}`` of the checklist, and a value that only a
gate discovers (the secrets gate's finding: not in the environment, no known key pattern).
Every byte gates wrote (the output folder: reports, logs, artifacts, history; the CI step
summary; its temp folder) and printed (progress lines, the table, annotations) is grepped.

* Logs are masked as they are written: a run SIGKILLed in the middle of a gate (nothing after
  it runs: no end-of-run pass) leaves the canary's mask in the log and the canary nowhere.
* A value a gate reports as secret masks the progress line and every later gate's log and
  summary, the moment its result arrives.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gates.redact import mask
from tests.conftest import REPO

CANARY = "cnry-Kd83Lq0Zx7Wm2Vb5Tn9R"
"""Put into the run through ``${LEAK_TOKEN}``."""
FOUND = "Qz7pW2xK9mV4tR8yL3nB6cF1hJ5"
"""Only in the project's source: the secrets gate finds it (a high-entropy assignment)."""


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    tmpdir = tmp / "tmpdir"
    tmpdir.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GATES_"))}
    env.update(PYTHONPATH=str(REPO), TMPDIR=str(tmpdir), LEAK_TOKEN=CANARY, **extra)
    return env


def _every_file(*folders: Path) -> list[Path]:
    return [
        p for folder in folders for p in folder.rglob("*") if p.is_file() and not p.is_symlink()
    ]


def _leaks(blobs: dict[str, bytes], *canaries: str) -> list[str]:
    return [f"{name}: {c}" for name, blob in blobs.items() for c in canaries if c.encode() in blob]


def _processes_with(value: str, proc_file: str) -> list[int]:
    """Processes (but this one) whose ``/proc/<pid>/<proc_file>`` holds ``value``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if value.encode() in (entry / proc_file).read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _alive_with(canary: str) -> list[int]:
    """Processes whose command line holds ``canary`` (what this test started and its tree)."""
    return _processes_with(canary, "cmdline")


def _environ_with(value: str) -> list[int]:
    """Processes whose environment holds ``value``."""
    return _processes_with(value, "environ")


LEAK_CHECKLIST = """\
version: 1
project: canary
gates:
  leak:
    type: command
    timeout: 120s
    run:
      - python3
      - -u
      - -c
      - |
        import sys, time
        c = '${LEAK_TOKEN}'
        sys.stdout.write('token: ' + c[:9]); sys.stdout.flush(); time.sleep(0.3)
        sys.stdout.write(c[9:] + '\\n'); sys.stdout.flush()
        print('on stderr', c, file=sys.stderr, flush=True)
        time.sleep(120)
"""


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_run_killed_mid_gate_leaves_the_secret_in_no_file(tmp_path: Path, how: int) -> None:
    """The command printed the canary (split over two writes, on both streams) and sleeps;
    gates is killed. The log already holds what was printed, masked; no file has the canary."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "checklist.yml").write_text(LEAK_CHECKLIST)
    out = tmp_path / "out"
    env = _env(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gates", "run", "--checklist", "checklist.yml", "--out", str(out)],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    log = out / "logs" / "leak.log"
    shown = mask(CANARY).encode()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if log.exists() and log.read_bytes().count(shown) >= 3:  # argv, stdout, stderr
            break
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail(f"the command's output never reached the log: {log.read_bytes()!r}")
    proc.send_signal(how)
    stdout, stderr = proc.communicate(timeout=60)
    # the worker and the command notice the run is gone and stop; wait for them to be gone
    deadline = time.monotonic() + 60
    while _alive_with(CANARY) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive_with(CANARY), "a process of the killed run still runs"
    files = _every_file(out, tmp_path / "tmpdir", project)
    blobs = {str(p): p.read_bytes() for p in files} | {"stdout": stdout, "stderr": stderr}
    assert not _leaks(blobs, CANARY, CANARY[9:])
    text = log.read_text()
    assert "--- stdout ---" in text and "--- stderr ---" in text and "token: [REDACTED:" in text
    if how == signal.SIGTERM:  # an interrupt still produces a report
        report = json.loads((out / "gate-report.json").read_text())
        assert report["interrupted"] is True and report["verdict"] == "fail"


FOUND_CHECKLIST = """\
version: 1
project: canary
gates:
  scan:
    type: secrets
    paths: [src]
  bandit:
    type: sast
    sources: [{tool: bandit, paths: [src]}]
    fail_on: critical
  show:
    type: command
    run: [python3, show.py]
  env:
    type: command
    run: [python3, -c, "print('${LEAK_TOKEN}'); raise SystemExit(2)"]
"""


def test_a_secret_only_a_gate_discovers_is_masked_in_every_later_line_and_file(
    tmp_path: Path,
) -> None:
    """The secrets gate (first, ``--jobs 1``) finds ``FOUND``; bandit then keeps its raw JSON,
    which quotes the line, as an artifact; a later command prints the value (its log, its
    summary, the live progress line). Annotations, history and the step summary are on."""
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "src" / "settings.py").write_text(f'db_password = "{FOUND}"\n')
    (project / "checklist.yml").write_text(FOUND_CHECKLIST)
    (project / "show.py").write_text(
        "import sys\ntext = open('src/settings.py').read()\n"
        "print(text)\nprint(text.strip(), file=sys.stderr)\nsys.exit(1)\n"
    )
    out = tmp_path / "out"
    summary = tmp_path / "step-summary.md"
    env = _env(tmp_path, GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
    argv = [sys.executable, "-m", "gates", "run", "--checklist", "checklist.yml", "--jobs", "1"]
    for _ in (1, 2):  # the second run reads the first one's history into its HTML
        ran = subprocess.run(
            [*argv, "--out", str(out), "--commit", "c" * 40],
            cwd=project,
            env=env,
            capture_output=True,
            timeout=300,
        )
        assert ran.returncode == 1, ran.stderr.decode()[-2000:]
    report = json.loads((out / "gate-report.json").read_text())
    statuses = {g["id"]: g["status"] for g in report["gates"]}
    assert statuses["scan"] == "fail" and statuses["show"] == "fail", statuses
    files = [*_every_file(out, tmp_path / "tmpdir"), summary]
    names = {p.relative_to(tmp_path).as_posix() for p in files}
    assert {"out/history.jsonl", "out/logs/show.log", "step-summary.md"} <= names
    assert any(n.startswith("out/artifacts/bandit/") for n in names), names
    blobs = {str(p): p.read_bytes() for p in files}
    blobs |= {"stdout": ran.stdout, "stderr": ran.stderr}
    assert not _leaks(blobs, FOUND, CANARY)
    shown = mask(FOUND)
    # the value was there and is masked, not absent: in the progress line of the later gate,
    # in its log, in bandit's raw output, and in the annotations on stdout
    progress = [line for line in ran.stderr.decode().splitlines() if " show " in line]
    assert any(shown in line for line in progress), progress
    assert shown in (out / "logs" / "show.log").read_text()
    raw = b"".join(v for k, v in blobs.items() if "/artifacts/bandit/" in k).decode()
    assert shown in raw
    annotations = ran.stdout.decode()
    assert "::warning file=src/settings.py" in annotations and shown in annotations
    assert mask(CANARY) in (out / "logs" / "env.log").read_text()
    # history.jsonl holds statuses and measurements only (no text): grepped above, nothing to mask
    for name in ("gate-report.html", "gate-report.sarif", "gate-report.junit.xml"):
        assert shown in (out / name).read_text(), name  # masked there, not left out
    # every digest the report records verifies against the file kept (masked files included)
    for entry in (e for g in report["gates"] for e in g.get("evidence", [])):
        kept = (project / entry["path"]).resolve()
        if kept.is_file() and out.resolve() in kept.parents:
            assert hashlib.sha256(kept.read_bytes()).hexdigest() == entry["sha256"], entry
    assert shown[shown.index("#") : -1] in summary.read_text()  # Markdown escapes the brackets


ROLLBACK_CHECKLIST = """\
version: 1
project: canary
gates:
  broken:
    type: command
    stage: post-deploy
    run: [python3, -c, "raise SystemExit(1)"]
rollback:
  run: [python3, -u, rollback.py]
  timeout: 2m
"""
ROLLBACK_TOKEN = "rbk-Zm4Qw8Xp2Lc6Vt9Ns3Hy"
"""Only in the environment (never in the checklist): the rollback command prints it."""


def test_a_run_killed_during_its_rollback_leaves_the_token_in_no_file(tmp_path: Path) -> None:
    """The rollback command (run by the CLI's own process) prints a secret-named environment
    value and hangs; gates is SIGKILLed: ``rollback.log`` already holds it, masked."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "checklist.yml").write_text(ROLLBACK_CHECKLIST)
    (project / "rollback.py").write_text(
        "import os, time\nprint('rolled back with', os.environ['ROLLBACK_TOKEN'], flush=True)\n"
        "time.sleep(120)\n"
    )
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "gates", "run", "--checklist", "checklist.yml", "--out", str(out)]
    argv += ["--stage", "post-deploy", "--url", "http://127.0.0.1:9/", "--rollback"]
    proc = subprocess.Popen(
        argv,
        cwd=project,
        env=_env(tmp_path, ROLLBACK_TOKEN=ROLLBACK_TOKEN),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    log = out / "logs" / "rollback.log"
    deadline = time.monotonic() + 90
    try:
        while not (log.exists() and b"rolled back with" in log.read_bytes()):
            assert proc.poll() is None and time.monotonic() < deadline, "no rollback output"
            time.sleep(0.1)
    finally:
        proc.kill()
        stdout, stderr = proc.communicate(timeout=60)
        # A SIGKILLed CLI cannot stop the command it ran itself (workers watch the run; the CLI
        # has nothing watching it): stop what this test started, found by its environment.
        for pid in _environ_with(ROLLBACK_TOKEN):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert mask(ROLLBACK_TOKEN) in log.read_text()
    files = _every_file(out, tmp_path / "tmpdir", project)
    blobs = {str(p): p.read_bytes() for p in files} | {"stdout": stdout, "stderr": stderr}
    assert not _leaks(blobs, ROLLBACK_TOKEN)
