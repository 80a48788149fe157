"""The gates' times of the newest run in the history (gates/report/history.py: last_durations)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from gates.report import history
from gates.run.runner import start_order


def _line(durations: dict[str, object]) -> str:
    return json.dumps(
        {"gates": {g: {"status": "pass", "duration_s": d} for g, d in durations.items()}}
    )


def test_the_newest_line_with_times_is_read(tmp_path: Path) -> None:
    (tmp_path / history.FILENAME).write_text(
        _line({"a": 1.0})
        + "\n"
        + _line({"a": 2.0, "b": 3})
        + "\n"
        # an old-format line (no times), then a torn one: both passed over
        + json.dumps({"gates": {"a": {"status": "pass"}}})
        + "\n"
        + '{"gates": {"a"'
    )
    assert history.last_durations(tmp_path) == {"a": 2.0, "b": 3.0}


def test_impossible_times_are_not_read(tmp_path: Path) -> None:
    (tmp_path / history.FILENAME).write_text(
        '{"gates": {"a": {"duration_s": NaN}, "g": {"duration_s": Infinity},'
        ' "b": {"duration_s": -1}, "c": {"duration_s": true}, "d": {"duration_s": "5"},'
        ' "e": {"duration_s": 0.5}, "f": 7}}\n'
    )
    assert history.last_durations(tmp_path) == {"e": 0.5}


def test_only_the_end_of_a_long_history_is_read(tmp_path: Path) -> None:
    lines = [_line({"a": float(i)}) for i in range(20_000)]  # ~1 MB, past TAIL_BYTES
    (tmp_path / history.FILENAME).write_text("\n".join(lines) + "\n")
    assert (tmp_path / history.FILENAME).stat().st_size > history.TAIL_BYTES
    assert history.last_durations(tmp_path) == {"a": 19_999.0}


def test_no_history_a_folder_or_a_fifo_in_its_place_is_no_times(tmp_path: Path) -> None:
    assert history.last_durations(tmp_path) == {}
    (tmp_path / history.FILENAME).mkdir()
    assert history.last_durations(tmp_path) == {}
    fifo_dir = tmp_path / "fifo"
    fifo_dir.mkdir()
    os.mkfifo(fifo_dir / history.FILENAME)  # opened non-blocking: no writer, no hang
    assert history.last_durations(fifo_dir) == {}


def test_gates_that_may_find_secrets_start_first_in_checklist_order() -> None:
    """However quick they were last time, and whatever the others took."""
    expected = {"scan": 0.3, "config": 0.2, "slow": 9.0, "show": 0.05}
    order = start_order(["show", "config", "slow", "scan"], expected, first=["scan", "config"])
    assert order == ["config", "scan", "slow", "show"]


def test_start_order_is_longest_first_with_unknown_gates_first_and_ties_in_order() -> None:
    gate_ids = ["a", "b", "c", "d", "e"]
    assert start_order(gate_ids, {}) == gate_ids
    assert start_order(gate_ids, {"a": 1.0, "b": 5.0, "d": 1.0, "e": 3.0}) == [
        "c",
        "b",
        "e",
        "a",
        "d",
    ]
