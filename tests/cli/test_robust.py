"""The CLI survives a user's mistakes and never leaks a secret (issue 13), explain and diff
(issue 15), help texts: every option says what it does and its default."""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from gates.errors import UsageError
from gates.writers import write_bytes_atomic
from tests.conftest import REPO, require_component, run_gates

CANARY = "cnry-7Q2xW9vK4mZ8pL3tR6yB"
SB_CANARY = "sb_secret_CANARYx9Vq2Lm8Kp4Tz7Rw1Ys"
CHECKLIST = """\
version: 1
project: robust
gates:
  echo:
    type: command
    run:
      - python3
      - -c
      - "import sys; print('${CANARY_TOKEN}'); print('SB_SECRET_VALUE', file=sys.stderr); exit(3)"
  slow:
    type: command
    run: [python3, -c, "import time; time.sleep(30)", "${CANARY_TOKEN}"]
    timeout: 1s
"""


@pytest.fixture(autouse=True)
def _canary_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANARY_TOKEN", CANARY)


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    path = root / "checklist.yml"
    path.write_text(CHECKLIST.replace("SB_SECRET_VALUE", SB_CANARY))
    return path


def test_canary_secret_appears_in_no_byte_gates_wrote_or_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANARY_TOKEN", CANARY)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")  # annotations on stdout
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    checklist = _project(tmp_path)
    out = tmp_path / "out"
    code, stdout, stderr = run_gates(
        ["run", "--checklist", str(checklist), "--out", str(out), "--commit", "a" * 40], capsys
    )
    assert code == 1, stdout + stderr
    written = [p for p in out.rglob("*") if p.is_file()] + [summary]
    names = {p.name for p in written}
    assert {"gate-report.json", "gate-report.html", "gate-report.sarif"} <= names
    assert any(p.suffix == ".log" for p in written)
    assert "history.jsonl" in names
    report = json.loads((out / "gate-report.json").read_text())
    slow = next(g for g in report["gates"] if g["id"] == "slow")
    assert slow["status"] == "error"  # the timeout message quotes the argv: masked there too
    for blob in [stdout, stderr, *(p.read_bytes().decode("utf-8", "replace") for p in written)]:
        assert CANARY not in blob
        assert SB_CANARY not in blob
    logs = "".join(p.read_text("utf-8", "replace") for p in written if p.suffix == ".log")
    assert "[REDACTED:" in logs  # the canaries were there, masked, not absent


def test_out_pointing_at_a_file_is_a_clean_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checklist = _project(tmp_path)
    target = tmp_path / "a-file"
    target.write_text("x")
    code, _, err = run_gates(["run", "--checklist", str(checklist), "--out", str(target)], capsys)
    assert code == 2 and "is not a folder" in err and "Traceback" not in err


def test_second_run_into_a_locked_out_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gates.report.outputs import LOCK_NAME

    checklist = _project(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    with open(out / LOCK_NAME, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("4242\n")
        held.flush()
        code, _, err = run_gates(["run", "--checklist", str(checklist), "--out", str(out)], capsys)
    assert code == 2
    assert "another gates run (pid 4242)" in err
    assert not (out / "gate-report.json").exists()


def _report(tmp_path: Path) -> Path:
    from gates.report.codec import finalize, to_dict
    from tests.support.sample_report import hostile_report as make

    path = tmp_path / "r.json"
    path.write_text(json.dumps(to_dict(finalize(make(), None))))
    return path


def test_huge_integers_and_infinity_are_clean_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = json.loads(_report(tmp_path).read_text())
    cases = {
        "huge": json.dumps(good).replace('"duration_s": ', '"duration_s": ' + "9" * 5000 + ", "),
        "inf": json.dumps(good).replace('"duration_s": ', '"duration_s": Infinity, "x": '),
    }
    for name, text in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(text)
        for argv in (
            ["report", str(path), "--format", "md"],
            ["promote", "--report", str(path), "--to", "staging", "--checklist", str(path)],
            ["merge", str(path), "-o", str(tmp_path / "m.json")],
            ["diff", str(path), str(path)],
        ):
            code, _, err = run_gates(argv, capsys)
            assert code in (1, 2), (name, argv, err)
            assert "Traceback" not in err and "internal error" not in err, (name, argv, err)


def test_broken_pipe_is_quiet(tmp_path: Path) -> None:
    big = tmp_path / "r.json"
    big.write_text(_report(tmp_path).read_text())
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    shell = f"{sys.executable} -m gates report {big} --format md | head -c 10 >/dev/null"
    run = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell], env=env, capture_output=True, text=True, timeout=60
    )
    assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr, run.stderr
    assert run.returncode in (0, 1), run.stderr


# --- atomic writes -------------------------------------------------------------------------


def test_atomic_write_replaces_regular_files_only(tmp_path: Path) -> None:
    regular = tmp_path / "r.txt"
    regular.write_text("old")
    write_bytes_atomic(regular, b"new")
    assert regular.read_bytes() == b"new"
    target = tmp_path / "target.txt"
    target.write_text("keep")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    with pytest.raises(UsageError, match="symbolic link"):
        write_bytes_atomic(link, b"x")
    assert link.is_symlink() and target.read_text() == "keep"
    with pytest.raises(UsageError, match="folder"):
        write_bytes_atomic(tmp_path, b"x")


def test_atomic_write_through_a_fifo_with_a_reader_and_refusal_without(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="nobody reads"):
        write_bytes_atomic(fifo, b"x")
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    for _ in range(200):  # the writer opens once the reader has opened
        try:
            write_bytes_atomic(fifo, b"through the fifo")
            break
        except UsageError:
            threading.Event().wait(0.02)
    reader.join(10)
    assert got == [b"through the fifo"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_atomic_write_through_a_character_device_keeps_it_a_device(tmp_path: Path) -> None:
    # mknod of a device needs root: CI runs as root, so there this fails instead of skipping
    require_component("root (mknod of a character device)", os.geteuid() == 0, "run as root")
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a private copy of the null device
    write_bytes_atomic(null, b"discarded")
    assert stat.S_ISCHR(null.lstat().st_mode)
    link = tmp_path / "stdout-like"
    link.symlink_to(null)
    write_bytes_atomic(link, b"through the link")
    assert link.is_symlink() and stat.S_ISCHR(null.lstat().st_mode)
    block = tmp_path / "block"
    os.mknod(block, 0o600 | stat.S_IFBLK, os.makedev(7, 200))
    with pytest.raises(UsageError, match="block device"):
        write_bytes_atomic(block, b"x")
    assert stat.S_ISBLK(block.lstat().st_mode)


# --- generated argv ------------------------------------------------------------------------

_WORDS = [
    "run", "validate", "list", "schema", "report", "merge", "diff", "promote", "explain",
    "baseline", "save", "migrations", "lock", "--checklist", "--out", "--format", "--only",
    "--skip", "--jobs", "--to", "--report", "--max-age", "-o", "--env", "--all", "--dir",
    "--baseline", "--base-ref", "0", "-1", "9" * 5000, "inf", "nan", "json", "md", "x,y", "",
    "B602", "ban-drop-column", "\x00", "é", "--", "-", "24h", "-3h",
]  # fmt: skip


@seed(20261201)
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    words=st.lists(
        st.one_of(st.sampled_from(_WORDS), st.sampled_from(["PATH_FILE", "PATH_DIR", "PATH_NONE"])),
        min_size=1,
        max_size=6,
    )
)
def test_generated_argv_exits_0_1_or_2_without_traceback(
    words: list[str], tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path_factory.mktemp("argv")
    (base / "file").write_text("not: [a, report")
    paths = {"PATH_FILE": str(base / "file"), "PATH_DIR": str(base), "PATH_NONE": str(base / "no")}
    argv = [paths.get(w, w) for w in words]
    if argv[0] == "run":  # a run needs a checklist that runs nothing slow
        argv += ["--checklist", paths["PATH_FILE"], "--out", str(base / "out")]
    code, _, err = run_gates(argv, capsys)
    assert code in (0, 1, 2), (argv, err)
    assert "Traceback" not in err and "internal error" not in err, (argv, err)


# --- help ----------------------------------------------------------------------------------


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += _subparsers(child)
    return found


def test_every_option_has_help_and_states_its_default() -> None:
    from gates.cli import _parser

    missing = []
    for parser in _subparsers(_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
                continue
            text = action.help or ""
            if not text:
                missing.append(f"{parser.prog} {action.dest}: no help")
            elif (
                action.option_strings
                and not action.required
                and action.dest != "version"
                and "default" not in text
            ):
                missing.append(f"{parser.prog} {'/'.join(action.option_strings)}: no default")
    assert not missing, "\n".join(missing)


def test_top_level_help_is_for_users(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_gates(["--help"], capsys)
    assert code == 0
    assert "gates run" in out and "Exit codes" in out
    assert "only module that prints" not in out


# --- explain and diff ----------------------------------------------------------------------


def test_explain_is_case_insensitive_and_suggests_one_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from gates.checks import CHECKS

    check = next(c for c in CHECKS.values() if c.rules)
    rule = check.rules[0]
    code, out, _ = run_gates(["explain", rule.id.upper()], capsys)
    assert code == 0 and rule.title in out
    code, out, _ = run_gates(["explain", f"{check.type}/{rule.id}"], capsys)
    assert code == 0 and rule.title in out
    typo = rule.id[:-1] + ("x" if rule.id[-1] != "x" else "y")
    code, _, err = run_gates(["explain", typo], capsys)
    assert code == 2 and "did you mean '" in err and len(err) < 400


def test_explain_an_advisory_id_from_a_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import dataclasses

    from gates.model import Finding, Location, Severity
    from gates.report.codec import finalize, to_dict
    from tests.support.sample_report import hostile_report as make

    base = make()
    finding = Finding(
        rule="GHSA-pxg6-pf52-xh8x",
        severity=Severity.LOW,
        message="cookie 0.4.2: accepts cookie name out of bounds characters",
        location=Location("package-lock.json"),
        title="cookie accepts out of bounds characters",
        help_uri="https://github.com/advisories/GHSA-pxg6-pf52-xh8x",
    )
    gate = dataclasses.replace(base.gates[0], findings=(finding,))
    path = tmp_path / "r.json"
    path.write_text(json.dumps(to_dict(finalize(dataclasses.replace(base, gates=(gate,)), None))))
    code, out, err = run_gates(["explain", "ghsa-PXG6-pf52-xh8x", "--report", str(path)], capsys)
    assert code == 0, err
    assert "cookie accepts out of bounds characters" in out and "package-lock.json" in out
    code, _, err = run_gates(["explain", "GHSA-pxg6-pf52-xh8y", "--report", str(path)], capsys)
    assert code == 2 and "did you mean 'GHSA-pxg6-pf52-xh8x'?" in err


def test_diff_shows_changes_only_and_marks_waived_new_findings() -> None:
    import dataclasses

    from gates.model import Finding, Severity
    from gates.report.diff import diff_reports, render_text
    from tests.support.sample_report import hostile_report as make

    base = make()
    waived = Finding(
        rule="r1", severity=Severity.HIGH, message="m", fingerprint="f1", waived="r1", blocks=False
    )
    gate = dataclasses.replace(base.gates[0], findings=(waived,))
    new = dataclasses.replace(base, gates=(gate, *base.gates[1:]))
    text = render_text(diff_reports(base, new))
    assert "(waived: r1)" in text
    assert "no status changed" in text and "--all shows them" in text
    assert f"{base.gates[0].id}:" not in text.split("new findings")[0].split("gates:")[1]
    everything = render_text(diff_reports(base, new), show_all=True)
    assert f"  {base.gates[0].id}: " in everything
