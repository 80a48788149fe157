"""The runner through the CLI: statuses, exit codes, needs, selection, timeouts, interrupts."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import gate, load_report, run_gates


def checklist(tmp_path: Path, gates_yaml: str, extra: str = "") -> Path:
    path = tmp_path / "checklist.yml"
    path.write_text(f"version: 1\nproject: t\n{extra}gates:\n{gates_yaml}")
    return path


def run(tmp_path: Path, path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "reports"
    code, _, _ = run_gates(
        ["run", "--checklist", str(path), "--out", str(out), "--no-history", *args]
    )
    return code, load_report(out)


def test_every_status_and_the_verdict(tmp_path: Path) -> None:
    path = checklist(
        tmp_path,
        """\
  ok: {type: command, run: "true"}
  bad: {type: command, run: "false", needs: [ok]}
  after-bad: {type: command, run: "true", needs: [bad]}
  slow: {type: command, run: "sleep 30", timeout: 1s}
  missing-tool: {type: command, run: "no-such-tool-xyz --flag"}
  soft: {type: command, run: "false", blocking: false}
  later: {type: command, run: "true", stage: post-deploy}
""",
    )
    code, report = run(tmp_path, path)
    assert code == 1
    assert report["verdict"] == "fail"
    assert gate(report, "ok")["status"] == "pass"
    assert gate(report, "bad")["status"] == "fail"
    skipped = gate(report, "after-bad")
    assert skipped["status"] == "skipped" and "needs 'bad'" in skipped["summary"]
    timed_out = gate(report, "slow")
    assert timed_out["status"] == "error" and "timed out" in timed_out["error"]
    missing = gate(report, "missing-tool")
    assert missing["status"] == "error" and "not installed" in missing["error"]
    assert gate(report, "soft")["status"] == "warn"
    assert gate(report, "later")["status"] == "skipped"
    reasons = " ".join(report["verdict_reasons"])
    assert "bad" in reasons and "slow" in reasons and "soft" not in reasons
    assert report["digest"].startswith("sha256:")


def test_passing_run_exits_zero_with_warnings(tmp_path: Path) -> None:
    path = checklist(
        tmp_path,
        """\
  ok: {type: command, run: "true"}
  soft: {type: command, run: "false", blocking: false}
""",
    )
    code, report = run(tmp_path, path)
    assert code == 0 and report["verdict"] == "pass"
    assert gate(report, "soft")["status"] == "warn"


def test_required_gate_that_did_not_run_fails_the_verdict(tmp_path: Path) -> None:
    path = checklist(
        tmp_path,
        """\
  ok: {type: command, run: "true"}
  other: {type: command, run: "true"}
""",
        extra="environments:\n  production:\n    require: [ok, other]\n",
    )
    code, report = run(tmp_path, path, "--env", "production", "--skip", "other")
    assert code == 1
    assert any("other: required but skipped" in r for r in report["verdict_reasons"])
    code, report = run(tmp_path, path, "--env", "production")
    assert code == 0


def test_only_and_skip_select_gates(tmp_path: Path) -> None:
    path = checklist(
        tmp_path,
        """\
  a: {type: command, run: "true"}
  b: {type: command, run: "false"}
  c: {type: command, run: "false"}
""",
    )
    code, report = run(tmp_path, path, "--only", "a,b", "--skip", "b")
    assert code == 0
    assert [gate(report, g)["status"] for g in "abc"] == ["pass", "skipped", "skipped"]
    (
        code,
        _,
    ) = run_gates(["run", "--checklist", str(path), "--out", str(tmp_path / "x"), "--only", "zz"])[
        :2
    ]
    assert code == 2


def test_independent_gates_run_concurrently(tmp_path: Path) -> None:
    # Each gate waits for the other's file: only a concurrent runner lets both finish.
    a, b = tmp_path / "a.flag", tmp_path / "b.flag"
    wait = "for i in $(seq 1 100); do [ -e {0} ] && exit 0; sleep 0.1; done; exit 1"
    path = checklist(
        tmp_path,
        f"""\
  first: {{type: command, shell: true, run: "touch {a}; {wait.format(b)}"}}
  second: {{type: command, shell: true, run: "touch {b}; {wait.format(a)}"}}
""",
    )
    code, report = run(tmp_path, path, "--jobs", "2")
    assert code == 0, report["verdict_reasons"]


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    path = checklist(
        tmp_path,
        f"""\
  spawner:
    type: command
    shell: true
    timeout: 1s
    run: "sleep 300 & echo $! > {pid_file}; wait"
""",
    )
    code, report = run(tmp_path, path)
    assert code == 1 and gate(report, "spawner")["status"] == "error"
    child = int(pid_file.read_text())
    assert not _alive(child), "the backgrounded child outlived the gate's timeout"


def test_command_output_is_logged_and_linked(tmp_path: Path) -> None:
    path = checklist(
        tmp_path, '  talk: {type: command, shell: true, run: "echo hello-log; echo oops >&2"}\n'
    )
    _, report = run(tmp_path, path)
    entry = gate(report, "talk")
    assert entry["log"] == "logs/talk.log"
    log = (tmp_path / "reports" / entry["log"]).read_text()
    assert "hello-log" in log and "oops" in log


def test_log_holds_only_the_latest_run(tmp_path: Path) -> None:
    path = checklist(tmp_path, '  talk: {type: command, shell: true, run: "echo first-run"}\n')
    run(tmp_path, path)
    checklist(tmp_path, '  talk: {type: command, shell: true, run: "echo second-run"}\n')
    _, report = run(tmp_path, path)
    log = (tmp_path / "reports" / gate(report, "talk")["log"]).read_text()
    assert "second-run" in log and "first-run" not in log


def test_signal_killed_command_is_a_fail_not_a_pass(tmp_path: Path) -> None:
    path = checklist(tmp_path, '  boom: {type: command, shell: true, run: "kill -SEGV $$"}\n')
    code, report = run(tmp_path, path)
    assert code == 1
    assert "SIGSEGV" in gate(report, "boom")["summary"]


def test_internal_error_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gates.run.runner

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("bug in the runner")

    monkeypatch.setattr(gates.run.runner, "run_checklist", broken)
    path = checklist(tmp_path, '  a: {type: command, run: "true"}\n')
    code, _, _ = run_gates(["run", "--checklist", str(path), "--out", str(tmp_path / "r")])
    assert code == 3


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def _start_run(tmp_path: Path, path: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gates",
            "run",
            "--checklist",
            str(path),
            "--out",
            str(out),
            "--no-history",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_for(path: Path, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} never appeared")
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_interrupt_kills_children_and_writes_an_interrupted_report(
    tmp_path: Path, signum: int
) -> None:
    pid_file = tmp_path / "child.pid"
    path = checklist(
        tmp_path,
        f"""\
  quick: {{type: command, run: "true"}}
  hang: {{type: command, shell: true, run: "sleep 300 & echo $! > {pid_file}; wait"}}
""",
    )
    out = tmp_path / "reports"
    proc = _start_run(tmp_path, path, out)
    _wait_for(pid_file)
    child = int(pid_file.read_text())
    proc.send_signal(signum)
    proc.communicate(timeout=30)
    assert proc.returncode == 1
    report = json.loads((out / "gate-report.json").read_text())
    assert report["interrupted"] is True and report["verdict"] == "fail"
    assert gate(report, "hang")["status"] == "error"
    time.sleep(0.2)
    assert not _alive(child)


def test_sigkill_leaves_the_previous_report_whole(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    first = checklist(tmp_path, '  a: {type: command, run: "true"}\n')
    code, _ = run(tmp_path, first)
    assert code == 0
    before_bytes = (out / "gate-report.json").read_bytes()
    flag = tmp_path / "started"
    checklist(tmp_path, f'  a: {{type: command, shell: true, run: "touch {flag}; sleep 300"}}\n')
    proc = _start_run(tmp_path, tmp_path / "checklist.yml", out)
    _wait_for(flag)
    proc.kill()
    proc.communicate(timeout=30)
    assert (out / "gate-report.json").read_bytes() == before_bytes
    assert json.loads(before_bytes)["verdict"] == "pass"
    subprocess.run(["pkill", "-f", f"touch {flag}"], check=False)


def test_killed_non_blocking_need_still_skips_its_dependents(tmp_path: Path) -> None:
    # a non-blocking gate killed at its deadline is `warn`, but its dependents must not
    # run as if it had passed (the same rule as a non-blocking gate that failed)
    from gates.checklist import load
    from gates.run.judge import errored
    from gates.run.needs import NeedState, needs_state
    from gates.run.options import RunOptions

    path = checklist(
        tmp_path,
        "  build: {type: command, run: 'true', blocking: false}\n"
        "  after: {type: command, run: 'true', needs: [build]}\n",
    )
    loaded = load(path)
    killed = errored(loaded.gates["build"], "timed out: the gate did not finish", 1.0)
    assert killed.status.value == "warn"
    needs = needs_state(
        loaded.gates["after"],
        loaded,
        {"build": killed},
        {"build"},  # the run loop records a killed gate as failed in substance
        RunOptions(tmp_path, tmp_path),
    )
    assert needs.state is NeedState.BLOCKED and needs.reason.startswith("needs 'build'")


def test_failed_non_blocking_need_skips_dependents_and_a_warn_does_not(tmp_path: Path) -> None:
    path = checklist(
        tmp_path,
        """  soft-fail: {type: command, run: "false", blocking: false}
  after-fail: {type: command, run: "true", needs: [soft-fail]}
  ok: {type: command, run: "true", blocking: false}
  after-ok: {type: command, run: "true", needs: [ok]}
""",
    )
    _, report = run(tmp_path, path)
    assert gate(report, "soft-fail")["status"] == "warn"
    assert gate(report, "after-fail")["status"] == "skipped"
    assert gate(report, "after-ok")["status"] == "pass"


def test_post_deploy_run_requires_only_post_deploy_gates(tmp_path: Path) -> None:
    path = checklist(
        tmp_path,
        """\
  build: {type: command, run: "true"}
  live: {type: command, run: "true", stage: post-deploy}
""",
        extra="environments:\n  production:\n    require: [build, live]\n",
    )
    code, report = run(tmp_path, path, "--env", "production", "--stage", "post-deploy")
    assert code == 0, report["verdict_reasons"]
    assert report["required"] == ["live"]
    code, report = run(tmp_path, path, "--env", "production")
    assert code == 0 and report["required"] == ["build"]
    code, report = run(tmp_path, path, "--env", "production", "--skip", "build")
    assert code == 1


def test_a_run_that_judged_nothing_fails(tmp_path: Path) -> None:
    path = checklist(tmp_path, '  a: {type: command, run: "true"}\n')
    code, report = run(tmp_path, path, "--stage", "post-deploy")
    assert code == 1
    assert "no gate ran: nothing was judged" in report["verdict_reasons"]


def test_evidence_gates_masked_after_judging_is_recorded_as_kept(tmp_path: Path) -> None:
    """A gate judged a file, then gates masked a secret in it (raw tool output kept as an
    artifact): the report's digest is the kept file's, so it verifies; others are unchanged."""
    from gates.io.safe import evidence_for
    from gates.redact import Redactor
    from gates.run.gate import _as_kept
    from gates.writers import mask_files

    secret = "sb_secret_" + "Q" * 30
    judged = tmp_path / "out" / "artifacts" / "lh" / "lhr.json"
    judged.parent.mkdir(parents=True)
    judged.write_text(f'{{"cookie": "{secret}"}}')
    other = tmp_path / "src.txt"
    other.write_text("clean")
    before = (evidence_for(judged, tmp_path), evidence_for(other, tmp_path))
    rewritten = mask_files([tmp_path / "out"], Redactor([secret]))
    assert rewritten == [judged] and secret not in judged.read_text()
    kept = _as_kept(before, {p.resolve() for p in rewritten}, tmp_path)
    assert kept[0].sha256 == hashlib.sha256(judged.read_bytes()).hexdigest() != before[0].sha256
    assert kept[1] == before[1]


def test_the_gate_that_took_longest_last_time_starts_first(tmp_path: Path) -> None:
    """Start order follows the newest history line's times, longest first (a gate without a
    time first of all); the report keeps the checklist's order and the run records its times."""
    order = tmp_path / "order.txt"
    path = checklist(
        tmp_path,
        "".join(
            f'  {name}: {{type: command, shell: true, run: "echo {name} >> {order}"}}\n'
            for name in ("quick", "slow", "new", "middle")
        ),
    )
    out = tmp_path / "reports"
    out.mkdir()
    earlier = {"quick": 0.1, "slow": 9.0, "middle": 2.5, "gone": 99.0}
    line = {"gates": {g: {"status": "pass", "duration_s": s} for g, s in earlier.items()}}
    (out / "history.jsonl").write_text(json.dumps(line) + "\n" + '{"gates": {"torn"\n')
    code, _, _ = run_gates(["run", "--checklist", str(path), "--out", str(out), "--jobs", "1"])
    assert code == 0
    assert order.read_text().split() == ["new", "slow", "middle", "quick"]
    report = load_report(out)
    assert [g["id"] for g in report["gates"]] == ["quick", "slow", "new", "middle"]
    newest = json.loads((out / "history.jsonl").read_text().splitlines()[-1])
    assert {g: type(v["duration_s"]) for g, v in newest["gates"].items()} == dict.fromkeys(
        ["quick", "slow", "new", "middle"], float
    )
