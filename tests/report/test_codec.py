"""gate-report.json: contract fields, strict decoding, canonical digest and HMAC signature."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import pytest

from gates.errors import ReportError
from gates.model import Location, Status
from gates.report import codec as json_report
from gates.writers.json_report import render as render_json
from tests.support.sample_report import SCRIPT, hostile_report


def test_contract_fields_and_enums_as_strings() -> None:
    data = json_report.to_dict(hostile_report())
    for key in (
        "schema",
        "verdict",
        "environment",
        "stage",
        "project",
        "commit",
        "branch",
        "started_at",
        "duration_s",
        "checklist_sha256",
        "tool_versions",
        "gates",
        "waivers",
        "digest",
    ):
        assert key in data
    assert data["schema"] == "gates-report/1"
    assert data["verdict"] == "fail"
    gate = data["gates"][0]
    for key in (
        "id",
        "type",
        "status",
        "blocking",
        "summary",
        "duration_s",
        "measurements",
        "findings",
        "evidence",
        "error",
    ):
        assert key in gate
    assert gate["findings"][0]["location"] == {
        "path": "tests/test_x.py",
        "line": 12,
        "column": None,
    }
    assert gate["findings"][0]["severity"] == "high"
    assert data["gates"][2]["findings"][2]["location"] is None


def test_round_trip_is_exact() -> None:
    report = json_report.finalize(hostile_report(), None)
    text = render_json(report)
    again = json_report.from_dict(json.loads(text))
    assert again == report
    assert json_report.compute_digest(again) == report.digest


def test_numbers_keep_their_spelling_so_digests_survive_reload(tmp_path: Path) -> None:
    report = json_report.finalize(hostile_report(), None)
    path = tmp_path / "r.json"
    path.write_text(render_json(report), encoding="utf-8")
    loaded = json_report.load(path)
    assert json_report.compute_digest(loaded) == report.digest
    assert '"threshold": 80,' in path.read_text()  # an int stays an int


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert json_report.canonical_json({"b": 1, "a": "é", "c": [1, {"z": 0, "y": None}]}) == (
        '{"a":"é","b":1,"c":[1,{"y":null,"z":0}]}'.encode()
    )


def test_digest_is_stable_and_excludes_digest_and_signature() -> None:
    report = hostile_report()
    first = json_report.compute_digest(report)
    assert first.startswith("sha256:") and len(first) == 7 + 64
    assert json_report.compute_digest(report) == first
    signed = json_report.finalize(report, b"k" * 32)
    assert signed.digest == first
    data = json_report.to_dict(report)
    del data["digest"], data["signature"]
    assert first == "sha256:" + hashlib.sha256(json_report.canonical_json(data)).hexdigest()


def _count_canonical_encodings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = json_report._canonical_text

    def counted(data: object) -> str:
        calls.append(1)
        return real(data)

    monkeypatch.setattr(json_report, "_canonical_text", counted)
    return calls


def test_finalize_encodes_the_signed_bytes_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The digest and the signature cover the same canonical bytes: ``finalize`` encodes them
    once (0.13 s for a 12,000-finding report), and both still verify."""
    calls = _count_canonical_encodings(monkeypatch)
    signed = json_report.finalize(hostile_report(), b"k" * 32)
    assert len(calls) == 1
    monkeypatch.undo()
    assert json_report.verify_signature(signed, b"k" * 32)
    assert signed.digest == json_report.compute_digest(dataclasses.replace(signed))


def test_redaction_probe_and_digest_share_one_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Redaction searches the canonical JSON for anything to mask; when nothing is, the digest
    covers that same text: one encoding for both, and the digest is the one computed afresh."""
    from gates.redact import redact_report

    report = hostile_report()
    expected = json_report.compute_digest(dataclasses.replace(report))
    calls = _count_canonical_encodings(monkeypatch)
    unchanged = redact_report(report, ["a-secret-this-report-does-not-hold"])
    assert unchanged is report
    final = json_report.finalize(unchanged, None)
    assert len(calls) == 1
    assert final.digest == expected
    # the finalized report keeps the text: digesting it again encodes nothing
    assert json_report.compute_digest(final) == expected and len(calls) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"verdict": Status.PASS},
        {"commit": "fffffff"},
        {"duration_s": 41.3},
        {"environment": "staging"},
    ],
)
def test_digest_changes_when_a_field_changes(change: dict[str, object]) -> None:
    report = hostile_report()
    assert json_report.compute_digest(dataclasses.replace(report, **change)) != (  # type: ignore[arg-type]
        json_report.compute_digest(report)
    )


def test_digest_changes_when_a_nested_finding_changes() -> None:
    report = hostile_report()
    gate = report.gates[0]
    finding = dataclasses.replace(gate.findings[0], location=Location("tests/test_x.py", 13))
    moved = dataclasses.replace(
        report, gates=(dataclasses.replace(gate, findings=(finding,)), *report.gates[1:])
    )
    assert json_report.compute_digest(moved) != json_report.compute_digest(report)


def test_sign_and_verify() -> None:
    report = json_report.finalize(hostile_report(), b"secret-key")
    assert report.signature and len(report.signature) == 64
    assert json_report.verify_signature(report, b"secret-key")
    assert not json_report.verify_signature(report, b"other-key")
    assert json_report.finalize(hostile_report(), None).signature is None


def test_non_finite_numbers_become_null() -> None:
    report = hostile_report()
    gate = report.gates[1]
    nan = dataclasses.replace(gate.measurements[0], value=float("nan"))
    bad = dataclasses.replace(report, gates=(dataclasses.replace(gate, measurements=(nan,)),))
    assert json.loads(render_json(bad))["gates"][0]["measurements"][0]["value"] is None


def test_hostile_strings_survive_json_unchanged() -> None:
    text = render_json(hostile_report())
    assert SCRIPT in json.loads(text)["gates"][0]["summary"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(schema="gates-report/2"), "unknown report schema"),
        (lambda d: d.pop("schema"), "unknown report schema"),
        (lambda d: d.update(extra=1), "unknown field(s) extra"),
        (lambda d: d.pop("verdict"), "missing field 'verdict'"),
        (lambda d: d.update(verdict="maybe"), "not a valid Status"),
        (lambda d: d.update(duration_s="41"), "expected float"),
        (lambda d: d.update(duration_s=True), "expected float"),
        (lambda d: d["gates"][0].update(findings=[{"rule": "x"}]), "missing field 'severity'"),
        (lambda d: d["gates"][0]["findings"][0].update(location={"path": 3}), "expected str"),
        (lambda d: d["gates"].append("nope"), "expected an object"),
    ],
)
def test_from_dict_is_strict(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    data = json_report.to_dict(hostile_report())
    mutate(data)
    with pytest.raises(ReportError, match=message.replace("(", r"\(").replace(")", r"\)")):
        json_report.from_dict(data)


def test_from_dict_rejects_non_objects() -> None:
    with pytest.raises(ReportError, match="not a gates report"):
        json_report.from_dict([1, 2])


@pytest.mark.parametrize("content", [b"", b"{", b"\xff\xfe junk", b"[]", b'{"schema": 1}'])
def test_load_bad_files_is_report_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(content)
    with pytest.raises(ReportError):
        json_report.load(path)


def test_load_missing_file_is_report_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="not found"):
        json_report.load(tmp_path / "absent.json")


def test_a_report_written_before_a_field_existed_keeps_its_digest_and_signature() -> None:
    # A report of an earlier version has no `change_of` on its measurements (added later, with
    # a default): its digest and signature are over what it wrote and must still verify.
    from gates.report.codec import (
        compute_digest,
        finalize,
        from_dict,
        sign,
        to_dict,
        verify_signature,
    )

    key = b"k" * 32
    written = to_dict(finalize(hostile_report(), key))
    for gate in written["gates"]:
        for measurement in gate["measurements"]:
            measurement.pop("change_of", None)
    written.pop("digest")
    written.pop("signature")
    written["digest"] = compute_digest(written)
    written["signature"] = sign(written, key)
    old = from_dict(written)
    assert compute_digest(old) == written["digest"]
    assert verify_signature(old, key)
    tampered = dict(written, project="someone-else")
    assert compute_digest(from_dict(tampered)) != written["digest"]
    changed = dataclasses.replace(old, project="changed")
    assert compute_digest(changed) != written["digest"]


class _Kind(enum.IntEnum):
    ONE = 1


class _Text(str):
    pass


class _Mapping(dict[str, object]):
    pass


def test_every_kind_of_value_in_details_is_encoded_by_its_type() -> None:
    """The encoder picks a way per type once (and keeps it): each kind a gate's ``details``
    may hold is written as JSON would read it back, whatever came first."""
    when = datetime.datetime(2026, 12, 3, 16, 0, tzinfo=datetime.UTC)
    details: dict[Any, object] = {
        "path": Path("src/a.ts"),
        "when": when,
        "nan": float("nan"),
        "inf": -math.inf,
        "ratio": 0.5,
        "kind": _Kind.ONE,
        "status": Status.FAIL,
        "text": _Text("sub"),
        "mapping": _Mapping(a=[1, (2, 3)], b={frozenset({4})}),
        5: None,
        "location": Location(path="x", line=2),
        "flag": True,
    }
    report = hostile_report()
    gate = dataclasses.replace(report.gates[0], details=details)
    encoded = json_report.to_dict(dataclasses.replace(report, gates=(gate,)))["gates"][0]
    assert encoded["details"] == {
        "path": "src/a.ts",
        "when": str(when),
        "nan": None,
        "inf": None,
        "ratio": 0.5,
        "kind": 1,
        "status": "fail",
        "text": "sub",
        "mapping": {"a": [1, [2, 3]], "b": [[4]]},
        "5": None,
        "location": {"path": "x", "line": 2, "column": None},
        "flag": True,
    }
    assert type(encoded["details"]["kind"]) is int and encoded["details"]["flag"] is True
    assert json.loads(json.dumps(encoded)) == encoded
