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


def test_run_secrets_are_interpolated_variables_that_look_secret() -> None:
    from gates.redact import looks_secret, run_secrets

    environ = {
        "VERCEL_TOKEN": "plain-but-named-token",
        "DATABASE_URL": "postgres://app:hunter2hunter2@db:5432/app",
        "OPAQUE": "Zx9Qv2Lm8Kp4Tz7Rw1YsAb3Cd",
        "DEPLOY_URL": "https://staging.example.com",
        "NODE_ENV": "production",
        "UNUSED_SECRET": "never-interpolated-secret",
        "GATES_SIGNING_KEY": "the-signing-key-0123",
    }
    text = "run: deploy ${VERCEL_TOKEN} ${DATABASE_URL} ${OPAQUE} ${DEPLOY_URL} ${NODE_ENV} $${X}"
    found = run_secrets(text, environ)
    assert found == [
        "plain-but-named-token",
        "postgres://app:hunter2hunter2@db:5432/app",
        "Zx9Qv2Lm8Kp4Tz7Rw1YsAb3Cd",
        "the-signing-key-0123",
    ]
    assert not looks_secret("DEPLOY_URL", "https://staging.example.com")
    assert not looks_secret("API_KEY", "abc")  # too short to mask without garbling text


def test_known_key_forms_are_masked_without_being_told() -> None:
    from gates.redact import Redactor

    github = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    aws = "AKIA" + "IOSFODNN7EXAMPLE"
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"
    text = f"token {github} and {aws}\n{pem}\nend"
    masked = Redactor(()).text(text)
    for value in (github, aws, "MIIEpAIBAAKCAQEA"):
        assert value not in masked
    assert masked.count("[REDACTED:") == 3 and masked.endswith("\nend")
    assert Redactor(()).bytes(b"plain \xff bytes") == b"plain \xff bytes"
    assert github.encode() not in Redactor(()).bytes(github.encode() + b" \xff")
