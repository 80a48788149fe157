"""Work in a forked child: its bytes come back whole or not at all, and it never outlives us."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gates.process import forked


def _started(work: forked.Work, count: int) -> forked.Forked:
    child = forked.start(work, count)
    assert child is not None, "this test process has one thread: the fork must happen"
    return child


def test_the_childs_parts_come_back_in_order() -> None:
    parts = [b"", b"\x00" * 3, os.urandom(300_000), "é".encode()]
    child = _started(lambda: parts, len(parts))
    assert child.result() == parts


def test_the_child_works_on_this_process_memory_as_it_was_at_the_fork() -> None:
    state = {"value": b"before"}
    child = _started(lambda: [state["value"]], 1)
    state["value"] = b"after"
    assert child.result() == [b"before"]


def test_a_child_that_raises_gives_no_result() -> None:
    def fail() -> list[bytes]:
        raise ValueError("a writer's bug")

    assert _started(fail, 1).result() is None


def test_a_child_killed_by_a_signal_gives_no_result() -> None:
    def die() -> list[bytes]:
        os.kill(os.getpid(), signal.SIGKILL)
        return [b"never"]

    assert _started(die, 1).result() is None


def test_a_child_with_the_wrong_number_of_parts_gives_no_result() -> None:
    assert _started(lambda: [b"one"], 2).result() is None


def test_no_fork_while_another_thread_runs() -> None:
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert forked.start(lambda: [b"x"], 1) is None
    finally:
        release.set()
        other.join()
    child = forked.start(lambda: [b"x"], 1)  # one thread again: forks
    assert child is not None and child.result() == [b"x"]


@given(st.lists(st.binary(max_size=40), max_size=6), st.integers(min_value=0, max_value=60))
def test_cut_or_padded_output_is_refused(parts: list[bytes], cut: int) -> None:
    whole = b"".join(forked.LENGTH.pack(len(p)) + p for p in parts)
    assert forked.split(whole, len(parts)) == parts
    if cut and cut <= len(whole):
        assert forked.split(whole[:-cut], len(parts)) is None
    assert forked.split(whole + b"\x01", len(parts)) is None


@contextmanager
def _interrupt_after(seconds: float) -> Iterator[None]:
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_an_interrupt_while_waiting_kills_and_reaps_the_child() -> None:
    def hang() -> list[bytes]:
        time.sleep(120)
        return [b"late"]

    child = _started(hang, 1)
    with pytest.raises(KeyboardInterrupt), _interrupt_after(0.3):
        child.result()
    with pytest.raises(ChildProcessError):  # reaped: no zombie, no survivor
        os.waitpid(child.pid, os.WNOHANG)


def test_the_child_dies_with_its_parent() -> None:
    """The run SIGKILLed while its child renders: the child goes too (PR_SET_PDEATHSIG)."""
    script = textwrap.dedent(
        """
        import sys, time
        from gates.process import forked
        child = forked.start(lambda: [time.sleep(120) or b"late"], 1)
        assert child is not None
        print(child.pid, flush=True)
        child.result()
        """
    )
    run = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert run.stdout is not None
        pid = int(run.stdout.readline())
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid), "the forked child outlived the process that started it"
    finally:
        run.kill()
        run.wait(timeout=30)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (an orphan is reaped by init; a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
