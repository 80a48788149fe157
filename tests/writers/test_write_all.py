"""Atomic writes: every format written, JSON last, the old set kept whole when writing fails."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest

from gates import writers
from gates.model import Report
from gates.process import forked
from gates.report.codec import load
from gates.writers import (
    FILENAMES,
    WRITERS,
    html_report,
    write_all,
    write_atomic,
    write_bytes_atomic,
)
from tests.support.sample_report import hostile_report


def test_every_format_has_a_writer_and_a_file_name() -> None:
    assert set(WRITERS) == set(FILENAMES) == {"json", "html", "junit", "sarif", "md"}


def test_write_all_writes_json_last(tmp_path: Path) -> None:
    paths = write_all(hostile_report(), tmp_path, ["json", "html", "junit", "sarif", "md"])
    assert [p.name for p in paths] == [
        "gate-report.html",
        "gate-report.junit.xml",
        "gate-report.sarif",
        "gate-report.md",
        "gate-report.json",
    ]
    assert all(p.stat().st_size > 0 for p in paths)
    assert load(tmp_path / "gate-report.json").digest.startswith("sha256:")
    assert not list(tmp_path.glob(".*.tmp"))


def test_unknown_format_is_refused_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown report format"):
        write_all(hostile_report(), tmp_path, ["html", "pdf"])
    assert not list(tmp_path.iterdir())


def test_failed_write_keeps_the_previous_files(tmp_path: Path) -> None:
    write_all(hostile_report(), tmp_path, list(FILENAMES))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    # a lone surrogate renders everywhere but cannot be encoded: the last format fails too
    broken = dataclasses.replace(hostile_report(), project="lone surrogate \ud800")
    with pytest.raises(UnicodeEncodeError):
        write_all(broken, tmp_path, list(FILENAMES))
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before  # nothing replaced, no temp file left behind


def test_write_atomic_replaces_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "r.txt"
    write_atomic(target, "old\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "new \udcff")
    assert target.read_text() == "old\n"
    with pytest.raises(TypeError):
        write_bytes_atomic(target, "not bytes")  # type: ignore[arg-type]  # fails mid-write
    assert target.read_text() == "old\n"
    assert [p.name for p in target.parent.iterdir()] == ["r.txt"]
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n"


def _rendered(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _forks_counted(monkeypatch: pytest.MonkeyPatch, *, from_findings: int = 1) -> list[bool]:
    """Render in two processes from ``from_findings`` on; each start's outcome is recorded."""
    started: list[bool] = []
    real_start = forked.start

    def start(work: forked.Work, count: int) -> forked.Forked | None:
        child = real_start(work, count)
        started.append(child is not None)
        return child

    monkeypatch.setattr(writers, "PARALLEL_FINDINGS", from_findings)
    monkeypatch.setattr(forked, "start", start)
    return started


def test_two_processes_render_the_same_bytes_as_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = hostile_report()
    write_all(report, tmp_path / "one", list(FILENAMES))
    started = _forks_counted(monkeypatch)
    write_all(report, tmp_path / "two", list(FILENAMES))
    assert started == [True]
    assert _rendered(tmp_path / "two") == _rendered(tmp_path / "one")


def test_a_child_that_fails_is_rendered_again_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = hostile_report()
    write_all(report, tmp_path / "one", list(FILENAMES))
    started = _forks_counted(monkeypatch)
    here = os.getpid()
    real_render = html_report.render

    def render_here_only(report: Report, **kwargs: Any) -> str:
        if os.getpid() != here:
            os._exit(3)  # the child dies mid-render (as the OOM killer would end it)
        return real_render(report, **kwargs)

    monkeypatch.setattr(html_report, "render", render_here_only)
    write_all(report, tmp_path / "two", list(FILENAMES))
    assert started == [True]
    assert _rendered(tmp_path / "two") == _rendered(tmp_path / "one")


def test_a_writers_error_in_the_child_is_raised_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_all(hostile_report(), tmp_path, list(FILENAMES))
    before = _rendered(tmp_path)
    started = _forks_counted(monkeypatch)
    broken = dataclasses.replace(hostile_report(), project="lone surrogate \ud800")
    with pytest.raises(UnicodeEncodeError):
        write_all(broken, tmp_path, list(FILENAMES))
    assert started == [True]
    assert _rendered(tmp_path) == before


def test_formats_are_shared_by_weight_with_json_kept_here() -> None:
    here, beside = writers.share(["html", "junit", "sarif", "md", "json"])
    assert "json" in here and set(here) | set(beside) == set(FILENAMES)
    assert not set(here) & set(beside)
    weight = {name: writers.FORMATS[name].weight for name in FILENAMES}
    difference = sum(weight[name] for name in here) - sum(weight[name] for name in beside)
    assert abs(difference) <= max(weight.values())
    assert writers.share(["json"]) == (["json"], [])


def test_a_small_report_is_rendered_in_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = hostile_report()
    findings = sum(len(gate.findings) for gate in report.gates)
    started = _forks_counted(monkeypatch, from_findings=findings + 1)
    write_all(report, tmp_path, list(FILENAMES))
    assert started == []
