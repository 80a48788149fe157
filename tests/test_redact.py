"""Secret values never reach a writer: masked in every string field of the report."""

from __future__ import annotations

import base64
import dataclasses
import json

from gates.model import Finding, Severity
from gates.redact import mask, redact_report
from gates.report.codec import finalize
from gates.writers import WRITERS
from tests.support.sample_report import hostile_report

CANARY = "canary-SECRET-9f8e7d6c5b4a"


def _jwt(role: str) -> str:
    def part(obj: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    header = part({"alg": "HS256", "typ": "JWT"})
    return f"{header}.{part({'iss': 'supabase', 'role': role})}.sig_abcdef"


def _seeded(text: str):  # type: ignore[no-untyped-def]
    report = hostile_report()
    gate = report.gates[0]
    finding = Finding(
        rule="secret",
        severity=Severity.CRITICAL,
        message=f"found {text}",
        title=f"t {text}",
        data={"value": text, "nested": [{text: text}]},
    )
    gate = dataclasses.replace(
        gate,
        summary=f"s {text}",
        error=f"e {text}",
        findings=(*gate.findings, finding),
        details={"rows": [{"v": text}], text: 1},
    )
    return finalize(
        dataclasses.replace(
            report, gates=(gate, *report.gates[1:]), verdict_reasons=(f"r {text}",)
        ),
        None,
    )


def test_mask_shows_at_most_four_characters() -> None:
    shown = mask(CANARY)
    assert shown.startswith("[REDACTED:cana…#") and CANARY not in shown
    assert mask("abcdef").startswith("[REDACTED:a…#")  # a short secret shows a quarter at most


def test_secret_masked_in_every_field_and_every_output() -> None:
    report = redact_report(_seeded(CANARY), [CANARY, "short"])
    assert report.digest == ""  # content changed: the digest must be recomputed
    for name, writer in WRITERS.items():
        text = writer(report)
        assert CANARY not in text, name
        assert "canary-SECRET" not in text, name
    assert mask(CANARY) in report.gates[0].summary
    assert report.gates[0].findings[-1].data["nested"][0] == {mask(CANARY): mask(CANARY)}


def test_short_values_are_left_alone() -> None:
    report = redact_report(hostile_report(), ["true", "12345"])
    assert report == hostile_report()


def test_longest_secret_first_and_no_double_masking() -> None:
    report = redact_report(_seeded("abcdefgh-1234"), ["abcdefgh", "abcdefgh-1234"])
    assert mask("abcdefgh-1234") in report.gates[0].summary
    assert "-1234" not in report.gates[0].summary


def test_service_role_jwt_always_masked_anon_kept() -> None:
    service, anon = _jwt("service_role"), _jwt("anon")
    report = redact_report(_seeded(f"{service} and {anon}"), [])
    summary = report.gates[0].summary
    assert service not in summary and anon in summary
    assert (
        "sb_secret_"
        not in redact_report(_seeded("sb_secret_abcdefghijklmnop"), []).gates[0].summary
    )


def test_hashes_and_images_are_not_touched() -> None:
    report = hostile_report()
    sha = report.gates[0].evidence[0].sha256
    out = redact_report(report, [sha, report.gates[2].artifacts[0].data_base64[:20]])
    assert out.gates[0].evidence[0].sha256 == sha
    assert out.gates[2].artifacts[0].data_base64 == report.gates[2].artifacts[0].data_base64
