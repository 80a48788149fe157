"""A report built in the tests, full of hostile strings, for every writer's tests."""

from __future__ import annotations

import base64
import struct
import zlib

from gates.model import (
    Artifact,
    Evidence,
    Finding,
    GateResult,
    Location,
    Measurement,
    Report,
    Severity,
    Status,
    WaiverUse,
)

SCRIPT = "<script>alert(1)</script>"
CLOSE = "</script><img src=x onerror=alert(2)>"
ANSI = "\x1b[31mred\x1b[0m"
JINJA = "{{ 7*7 }}"
HOSTILE = (SCRIPT, CLOSE, ANSI, JINJA)


def tiny_png() -> str:
    """A real 2x2 red PNG, base64."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return base64.b64encode(png).decode()


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><script>alert(3)</script>'
    '<rect width="40" height="20" fill="blue"/></svg>'
)


def hostile_report(*, verdict: Status = Status.FAIL) -> Report:
    """Four gates in every status worth showing, findings in every severity, hostile text."""
    tests = GateResult(
        id="tests",
        type="tests",
        status=Status.FAIL,
        blocking=True,
        summary=f"1 failed: test {SCRIPT}",
        duration_s=1.5,
        measurements=(
            Measurement(name="failed", value=1, op="<=", threshold=0, status=Status.FAIL),
        ),
        findings=(
            Finding(
                rule="test-failed",
                severity=Severity.HIGH,
                message=f"test_{SCRIPT} failed: {CLOSE} {ANSI} {JINJA}",
                location=Location("tests/test_x.py", 12),
                fingerprint="fp-test-1",
                title=f"title {SCRIPT}",
                new=True,
            ),
        ),
        evidence=(Evidence(path="reports/raw/junit.xml", sha256="ab" * 32, size=123),),
        log="logs/tests.log",
        details={
            "files": [{"file": f"a{SCRIPT}.xml", "tests": 3}, {"file": "b.xml", "tests": 1}],
            "note": JINJA,
        },
    )
    coverage = GateResult(
        id="coverage",
        type="coverage",
        status=Status.WARN,
        blocking=False,
        summary="lines 79.1% < 80%",
        duration_s=0.3,
        measurements=(
            Measurement(
                name="lines",
                value=79.1,
                unit="%",
                op=">=",
                threshold=80,
                baseline=80.3,
                status=Status.WARN,
                message="lines 79.1%",
            ),
        ),
    )
    sast = GateResult(
        id="sast",
        type="sast",
        status=Status.ERROR,
        blocking=True,
        summary="bandit crashed",
        error=f"Traceback {CLOSE}",
        duration_s=2.0,
        findings=(
            Finding(
                rule="B602",
                severity=Severity.CRITICAL,
                message="shell=True",
                location=Location("app/x.py", 3, 5),
                fingerprint="fp-b602",
            ),
            Finding(
                rule="B105",
                severity=Severity.MEDIUM,
                message="hardcoded password",
                location=Location("app/y.py", 0),
                fingerprint="fp-b105",
                new=False,
            ),
            Finding(
                rule="B101",
                severity=Severity.LOW,
                message="assert used",
                location=None,
                fingerprint="fp-b101",
                waived="B101",
            ),
            Finding(
                rule="B999",
                severity=Severity.INFO,
                message=f"info {SCRIPT}",
                location=Location("dir with space/z.py", 7),
                fingerprint="",
            ),
        ),
        evidence=(Evidence(path="reports/raw/bandit.json", sha256="cd" * 32),),
        artifacts=(
            Artifact(
                kind="screenshot",
                title=f"home {SCRIPT}",
                media_type="image/png",
                data_base64=tiny_png(),
            ),
            Artifact(
                kind="chart",
                title="chart",
                media_type="image/svg+xml",
                data_base64=base64.b64encode(SVG.encode()).decode(),
            ),
            Artifact(
                kind="chart",
                title="bad",
                media_type="text/html",
                data_base64=base64.b64encode(SCRIPT.encode()).decode(),
            ),
        ),
        log="javascript:alert(4)",
    )
    bundle = GateResult(
        id="bundle",
        type="bundle",
        status=Status.PASS,
        blocking=True,
        summary="within budget",
        measurements=(
            Measurement(
                name="all JavaScript",
                value=108000,
                unit="B",
                op="<=",
                threshold=250000,
                baseline=100000,
            ),
        ),
    )
    smoke = GateResult(
        id="smoke",
        type="smoke",
        status=Status.SKIPPED,
        blocking=True,
        summary="stage post-deploy not run",
        stage="post-deploy",
    )
    return Report(
        verdict=verdict,
        environment="production",
        stage="pre-deploy",
        project=f"shop {SCRIPT}",
        commit="0123456789abcdef0123456789abcdef01234567",
        branch=f"feature/{JINJA}",
        started_at="2025-06-01T12:00:00+00:00",
        duration_s=41.2,
        checklist_sha256="ef" * 32,
        tool_versions={"gates": "0.1.0"},
        gates=(tests, coverage, sast, bundle, smoke),
        waivers=(
            WaiverUse(
                gate="sast",
                match="B101",
                reason=f"asserts ok {SCRIPT}",
                owner="sec@example.com",
                expires="2099-01-01",
                used=True,
                expired=False,
            ),
            WaiverUse(
                gate="sast",
                match="B303",
                reason="old",
                owner="old@example.com",
                expires="2020-01-01",
                used=False,
                expired=True,
            ),
        ),
        required=("tests", "sast"),
        verdict_reasons=(f"tests: fail: 1 failed: test {SCRIPT}", "sast: error: bandit crashed"),
    )
