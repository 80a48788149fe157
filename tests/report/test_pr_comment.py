"""The pull-request comment: golden files, GitHub's 65,536-character limit, hostile text."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from gates.model import Finding, GateResult, Location, Measurement, Report, Severity, Status
from gates.report.pr_comment import GITHUB_LIMIT, MARKER, render
from tests.conftest import run_gates

GOLDEN = Path(__file__).parent / "golden"


def _report(
    *,
    commit: str,
    verdict: Status,
    cov: float,
    js: float,
    lcp: float,
    findings: tuple[Finding, ...],
) -> Report:
    return Report(
        verdict=verdict,
        environment="staging",
        stage="pre-deploy",
        project="shop-web",
        commit=commit,
        branch="feature",
        started_at="2026-12-01T22:00:00Z",
        duration_s=12.5,
        tool_versions={},
        checklist_sha256="c" * 64,
        gates=(
            GateResult(
                id="tests",
                type="tests",
                status=Status.PASS,
                blocking=True,
                summary="42 tests, 42 passed",
            ),
            GateResult(
                id="coverage",
                type="coverage",
                status=Status.PASS if cov >= 80 else Status.FAIL,
                blocking=True,
                summary=f"lines {cov}%",
                measurements=(Measurement(name="lines", value=cov, unit="%"),),
            ),
            GateResult(
                id="bundle",
                type="bundle",
                status=Status.PASS,
                blocking=True,
                summary="within budgets",
                measurements=(
                    Measurement(name="all JavaScript (gzip)", value=js, unit="B"),
                    Measurement(name="all CSS (brotli)", value=4_100, unit="B"),
                ),
            ),
            GateResult(
                id="lighthouse",
                type="lighthouse",
                status=Status.PASS,
                blocking=True,
                summary="/ and /login within budgets",
                measurements=(
                    Measurement(name="/ largest-contentful-paint", value=lcp, unit="ms"),
                ),
            ),
            GateResult(
                id="sast",
                type="sast",
                status=Status.FAIL if any(f.blocks for f in findings) else Status.PASS,
                blocking=True,
                summary=f"{len(findings)} findings",
                findings=findings,
            ),
        ),
    )


OLD = Finding(
    rule="B602",
    severity=Severity.HIGH,
    message="subprocess call with shell=True",
    location=Location("scripts/seed.py", 10),
    fingerprint="fp-old",
)
NEW = Finding(
    rule="B608",
    severity=Severity.HIGH,
    message='SQL built from a string: f"select | {x}" by @octocat <b>',
    location=Location("scripts/report.py", 33),
    fingerprint="fp-new",
)
WAIVED = Finding(
    rule="B105",
    severity=Severity.MEDIUM,
    message="hard-coded password string",
    location=Location("scripts/dev.py", 4),
    fingerprint="fp-waived",
    blocks=False,
    waived="test fixture, owner sec@example.com until 2027-01-15",
)

BASE = _report(commit="a" * 40, verdict=Status.PASS, cov=84.2, js=98_000, lcp=2100, findings=(OLD,))
HEAD = _report(
    commit="b" * 40, verdict=Status.FAIL, cov=79.5, js=104_500, lcp=2400, findings=(NEW, WAIVED)
)


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GATES_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_comment_against_the_base_matches_the_golden_file() -> None:
    text = render(HEAD, BASE, details_url="https://ci.example/run/1")
    _golden("pr_comment_vs_base.md", text)
    # what the golden file must say, checked independently of it
    assert text.startswith(MARKER)
    assert "❌ fail" in text and "✅ pass → ❌ fail" in text  # coverage changed status
    assert "−4.7 pp" in text  # coverage delta 84.2 → 79.5
    assert "+6.50 kB" in text  # bundle delta per budget
    assert "+300 ms" in text  # LCP delta
    assert "**New findings: 2**" in text and "**Fixed findings: 1**" in text
    assert "waived: test fixture" in text
    assert "@\u200boctocat" in text and "<b>" not in text and "\\|" in text


def test_first_run_without_a_base_is_a_stated_state() -> None:
    text = render(HEAD)
    _golden("pr_comment_first_run.md", text)
    assert "No base report to compare with" in text
    assert "**Findings: 2**" in text and "79.5%" in text


def test_the_comment_fits_githubs_limit_with_thousands_of_findings() -> None:
    many = tuple(
        replace(NEW, fingerprint=f"fp-{i}", message=f"finding {i} " + "x" * 300)
        for i in range(5000)
    )
    big = replace(HEAD, gates=(*HEAD.gates[:4], replace(HEAD.gates[4], findings=many)))
    text = render(big, BASE)
    assert len(text) <= GITHUB_LIMIT
    assert "**New findings: 5000**" in text and "more (see the report artifact)" in text
    # every line is whole: the last list line is a complete item or the count
    assert all(
        line.startswith(("- ", "|", "**", "#", "<!--", "[", "No ", "Compared")) or not line
        for line in text.splitlines()
    )


def test_many_gates_are_cut_at_a_line_and_said() -> None:
    gates = tuple(replace(HEAD.gates[0], id=f"gate-{i}", summary="s" * 150) for i in range(2000))
    text = render(replace(HEAD, gates=gates), limit=GITHUB_LIMIT)
    assert len(text) <= GITHUB_LIMIT and text.endswith("see the report artifact)\n")


def test_cli_comment_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gates.report.codec import finalize, to_dict

    def encode(r: Report) -> str:
        return json.dumps(to_dict(finalize(r, None)))

    (tmp_path / "base.json").write_text(encode(BASE))
    (tmp_path / "head.json").write_text(encode(HEAD))
    out = tmp_path / "comment.md"
    rc, _, err = run_gates(
        [
            "comment",
            str(tmp_path / "head.json"),
            "--base",
            str(tmp_path / "base.json"),
            "-o",
            str(out),
        ],
        capsys,
    )
    assert rc == 0, err
    assert out.read_text() == render(HEAD, BASE)


def test_cli_comment_missing_base_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gates.report.codec import finalize, to_dict

    def encode(r: Report) -> str:
        return json.dumps(to_dict(finalize(r, None)))

    (tmp_path / "head.json").write_text(encode(HEAD))
    rc, _, err = run_gates(
        ["comment", str(tmp_path / "head.json"), "--base", str(tmp_path / "nope.json")], capsys
    )
    assert rc == 2 and "Traceback" not in err
