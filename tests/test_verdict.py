"""The verdict rule (contract): blocking fail/error or a required gate not run fails it."""

from __future__ import annotations

from gates.model import GateResult, Status
from gates.verdict import EXIT_FAIL, EXIT_INTERNAL, EXIT_PASS, EXIT_USAGE, decide, exit_code


def _gate(gate_id: str, status: Status, *, blocking: bool = True) -> GateResult:
    return GateResult(
        id=gate_id,
        type="command",
        status=status,
        blocking=blocking,
        summary=f"{gate_id} is {status.value}",
    )


def test_all_pass_and_warn_is_pass() -> None:
    verdict, reasons = decide([_gate("a", Status.PASS), _gate("b", Status.WARN)], ["a", "b"])
    assert verdict is Status.PASS
    assert reasons == []


def test_blocking_fail_and_error_fail_the_verdict() -> None:
    for status in (Status.FAIL, Status.ERROR):
        verdict, reasons = decide([_gate("a", Status.PASS), _gate("b", status)], [])
        assert verdict is Status.FAIL
        assert reasons == [f"b: {status.value}: b is {status.value}"]


def test_non_blocking_failure_does_not_fail() -> None:
    verdict, _ = decide([_gate("a", Status.FAIL, blocking=False)], [])
    assert verdict is Status.PASS


def test_required_gate_skipped_or_absent_fails() -> None:
    verdict, reasons = decide([_gate("a", Status.SKIPPED)], ["a", "b"])
    assert verdict is Status.FAIL
    assert reasons[0].startswith("a: required but skipped")
    assert reasons[1] == "b: required but not in this run"


def test_skipped_not_required_is_fine() -> None:
    assert decide([_gate("a", Status.SKIPPED), _gate("b", Status.PASS)], [])[0] is Status.PASS


def test_nothing_judged_fails() -> None:
    verdict, reasons = decide([_gate("a", Status.SKIPPED)], [])
    assert verdict is Status.FAIL and reasons == ["no gate ran: nothing was judged"]
    assert decide([], [])[0] is Status.FAIL


def test_exit_codes() -> None:
    assert (EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL) == (0, 1, 2, 3)
    assert exit_code(Status.PASS) == 0
    assert exit_code(Status.FAIL) == 1
