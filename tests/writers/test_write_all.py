"""Atomic writes: every format written, JSON last, the old set kept whole when writing fails."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gates.report.codec import load
from gates.writers import FILENAMES, WRITERS, write_all, write_atomic, write_bytes_atomic
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
