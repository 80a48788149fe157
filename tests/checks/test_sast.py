"""sast gate: real bandit on code the tests write, bandit/SARIF files, fail-closed paths, and
end to end through ``gates run``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gates.checks.base import GateContext
from gates.checks.sast import SastOptions, evaluate
from gates.model import Status
from tests.conftest import CORPUS, gate, load_report, run_gates
from tests.support.gates import gate_context

SHELL = "import subprocess\n\n\ndef go(cmd):\n    subprocess.run(cmd, shell=True)\n"
CLEAN = "def add(a: int, b: int) -> int:\n    return a + b\n"


def ctx(root: Path) -> GateContext:
    return gate_context("sast", root)


def opts(**kw: object) -> SastOptions:
    return SastOptions.model_validate(kw)


def test_real_bandit_clean_code_passes(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "ok.py").write_text(CLEAN)
    context = ctx(tmp_path)
    out = evaluate(opts(sources=[{"tool": "bandit", "paths": ["src"]}]), context)
    assert out.status is None and out.findings == []
    assert any(e.path.endswith("bandit.json") for e in context.evidence)
    assert "no findings" in out.summary


def test_real_bandit_shell_true_blocks_and_fingerprint_survives_line_shift(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bad.py").write_text(SHELL)
    first = evaluate(opts(sources=[{"tool": "bandit", "paths": ["src"]}]), ctx(tmp_path))
    b602 = next(f for f in first.findings if f.rule == "B602")
    assert b602.blocks and b602.severity.value == "high" and b602.location is not None
    assert b602.location.path == "src/bad.py" and b602.location.line == 5
    assert b602.data["cwe"] == ["CWE-78"] and b602.data["confidence"] == "high"
    b404 = next(f for f in first.findings if f.rule == "B404")
    assert not b404.blocks  # low < high
    (tmp_path / "src" / "bad.py").write_text("# a new comment\n\n" + SHELL)
    second = evaluate(opts(sources=[{"tool": "bandit", "paths": ["src"]}]), ctx(tmp_path))
    moved = next(f for f in second.findings if f.rule == "B602")
    assert moved.location is not None and moved.location.line == 7
    assert moved.fingerprint == b602.fingerprint


def test_fail_on_and_min_confidence(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bad.py").write_text(SHELL)
    low = evaluate(
        opts(sources=[{"tool": "bandit", "paths": ["src"]}], fail_on="low"), ctx(tmp_path)
    )
    assert all(f.blocks for f in low.findings) and len(low.findings) == 2
    copy = tmp_path / "flask.json"
    shutil.copy(CORPUS / "bandit" / "flask-high-medium-low-b201-b104-b113.json", copy)
    out = evaluate(
        opts(sources=[{"tool": "bandit", "file": "flask.json"}], min_confidence="medium"),
        ctx(tmp_path),
    )
    assert len(out.findings) == 3  # the LOW-confidence B113 is dropped
    assert out.details["sources"][0]["below_min_confidence"] == 1


def test_bandit_parse_errors_fail_closed_unless_allowed(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "ok.py").write_text(CLEAN)
    (tmp_path / "src" / "broken.py").write_text("def f(:\n")
    out = evaluate(opts(sources=[{"tool": "bandit", "paths": ["src"]}]), ctx(tmp_path))
    assert out.status is Status.ERROR and "src/broken.py" in out.summary
    allowed = evaluate(
        opts(sources=[{"tool": "bandit", "paths": ["src"]}], allow_parse_errors=True), ctx(tmp_path)
    )
    assert allowed.status is None
    (err,) = [f for f in allowed.findings if f.rule == "sast-parse-error"]
    assert not err.blocks and err.location is not None and err.location.path == "src/broken.py"


def test_bandit_usage_error_and_paths_outside(tmp_path: Path) -> None:
    out = evaluate(opts(sources=[{"tool": "bandit", "paths": ["does-not-exist"]}]), ctx(tmp_path))
    assert out.status is Status.ERROR
    outside = evaluate(opts(sources=[{"tool": "bandit", "paths": ["../.."]}]), ctx(tmp_path))
    assert outside.status is Status.ERROR and "outside the project" in outside.summary


def test_sarif_sources_and_errors(tmp_path: Path) -> None:
    for name in (
        "codeql-2.19.1-zero-results-40-rules.sarif",
        "semgrep-0.44-no-level-577-results.sarif",
        "semgrep-1.144-native-json-not-sarif.json",
    ):
        shutil.copy(CORPUS / "sarif" / name, tmp_path / name)
    clean = evaluate(
        opts(sources=[{"tool": "sarif", "file": "codeql-2.19.1-zero-results-40-rules.sarif"}]),
        ctx(tmp_path),
    )
    assert clean.status is None and clean.findings == []
    many = evaluate(
        opts(sources=[{"tool": "sarif", "file": "semgrep-0.44-no-level-577-results.sarif"}]),
        ctx(tmp_path),
    )
    assert len(many.findings) == 577 and any(f.blocks for f in many.findings)
    assert len({f.fingerprint for f in many.findings}) == 577
    native = evaluate(
        opts(sources=[{"tool": "sarif", "file": "semgrep-1.144-native-json-not-sarif.json"}]),
        ctx(tmp_path),
    )
    assert native.status is Status.ERROR and "not SARIF" in native.summary
    (tmp_path / "empty.sarif").write_text("")
    assert (
        evaluate(opts(sources=[{"tool": "sarif", "file": "empty.sarif"}]), ctx(tmp_path)).status
        is Status.ERROR
    )
    assert (
        evaluate(opts(sources=[{"tool": "sarif", "file": "missing.sarif"}]), ctx(tmp_path)).status
        is Status.ERROR
    )


def test_options_validation() -> None:
    with pytest.raises(ValueError):
        opts(sources=[{"tool": "sarif", "paths": ["src"]}])
    with pytest.raises(ValueError):
        opts(sources=[{"tool": "bandit"}])
    with pytest.raises(ValueError):
        opts(sources=[])


def _project(root: Path, code: str) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text(code)
    sarif = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "eslint", "rules": []}}, "results": []}],
    }
    (root / "eslint.sarif").write_text(json.dumps(sarif))
    path = root / "checklist.yml"
    path.write_text(
        "version: 1\nproject: t\ngates:\n  sast:\n    type: sast\n    sources:\n"
        "      - {tool: bandit, paths: [src]}\n      - {tool: sarif, file: eslint.sarif}\n"
    )
    return path


@pytest.mark.parametrize(("code", "status", "exit_code"), [(CLEAN, "pass", 0), (SHELL, "fail", 1)])
def test_end_to_end(tmp_path: Path, code: str, status: str, exit_code: int) -> None:
    checklist = _project(tmp_path, code)
    rc, _, _ = run_gates(
        ["run", "--checklist", str(checklist), "--out", str(tmp_path / "reports"), "--no-history"]
    )
    report = load_report(tmp_path / "reports")
    assert rc == exit_code and gate(report, "sast")["status"] == status
    # the bandit that ran, as the installed distribution names itself
    assert gate(report, "sast")["tool_versions"] == {"bandit": _installed_bandit()}
    assert report["tool_versions"]["bandit"] == _installed_bandit()
    if status == "fail":
        rules = {f["rule"] for f in gate(report, "sast")["findings"]}
        assert "B602" in rules


@pytest.mark.parametrize(
    ("tool", "clean", "seeded"),
    [
        (
            "bandit",
            "bandit/evaluacion3-clean-no-results.json",
            "bandit/flask-high-medium-low-b201-b104-b113.json",
        ),
        (
            "sarif",
            "sarif/codeql-2.19.1-zero-results-40-rules.sarif",
            "sarif/semgrep-0.44-no-level-577-results.sarif",
        ),
    ],
)
@pytest.mark.parametrize("is_seeded", [False, True], ids=["clean", "seeded"])
def test_end_to_end_report_files(
    tmp_path: Path, tool: str, clean: str, seeded: str, is_seeded: bool
) -> None:
    shutil.copy(CORPUS / (seeded if is_seeded else clean), tmp_path / "report.json")
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(
        "version: 1\nproject: t\ngates:\n  sast:\n    type: sast\n"
        f"    sources:\n      - {{tool: {tool}, file: report.json}}\n"
    )
    rc, _, _ = run_gates(
        ["run", "--checklist", str(checklist), "--out", str(tmp_path / "out"), "--no-history"]
    )
    report = load_report(tmp_path / "out")
    result = gate(report, "sast")
    assert (rc, result["status"]) == ((1, "fail") if is_seeded else (0, "pass"))
    # bandit did not run here: no version is claimed for it
    assert result["tool_versions"] == {} and "bandit" not in report["tool_versions"]


def _installed_bandit() -> str:
    from importlib.metadata import version

    return version("bandit")


def test_the_bandit_version_is_what_bandit_itself_says(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "ok.py").write_text(CLEAN)
    out = evaluate(opts(sources=[{"tool": "bandit", "paths": ["src"]}]), ctx(tmp_path))
    assert out.tool_versions == {"bandit": _installed_bandit()}
    log = (tmp_path / "reports" / "logs" / "sast.log").read_text()
    assert "--version" in log  # asked of the tool, not read from Python metadata


# --- SARIF error-level tool execution notifications (files the tool could not analyse) --------


def _eslint_with_parse_error(root: Path) -> None:
    """What @microsoft/eslint-formatter-sarif writes for a file ESLint could not parse: an
    error-level toolExecutionNotification, with executionSuccessful still true."""
    uri = (root / "src" / "broken.js").as_uri()
    log = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "ESLint", "rules": [{"id": "no-unused-vars"}]}},
                "artifacts": [{"location": {"uri": uri}}],
                "results": [
                    {
                        "level": "note",
                        "ruleId": "no-unused-vars",
                        "message": {"text": "'x' is defined but never used."},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "src/ok.js"},
                                    "region": {"startLine": 1},
                                }
                            }
                        ],
                    }
                ],
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolConfigurationNotifications": [],
                        "toolExecutionNotifications": [
                            {
                                "level": "error",
                                "message": {"text": "Parsing error: Unexpected token )"},
                                "locations": [
                                    {
                                        "physicalLocation": {
                                            "artifactLocation": {"uri": uri, "index": 0},
                                            "region": {"startLine": 3, "startColumn": 9},
                                        }
                                    }
                                ],
                                "descriptor": {"id": "ESL0999"},
                            },
                            {"level": "warning", "message": {"text": "just a warning"}},
                            {"message": {"text": "no level: a warning (SARIF 3.58.6)"}},
                        ],
                    }
                ],
            }
        ],
    }
    (root / "src").mkdir(exist_ok=True)
    (root / "eslint.sarif").write_text(json.dumps(log))


@pytest.mark.parametrize("allow", [False, True])
def test_sarif_error_notifications_fail_closed_unless_allowed(tmp_path: Path, allow: bool) -> None:
    _eslint_with_parse_error(tmp_path)
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(
        "version: 1\nproject: t\ngates:\n  sast:\n    type: sast\n"
        f"    allow_parse_errors: {str(allow).lower()}\n"
        "    sources: [{tool: sarif, file: eslint.sarif}]\n"
    )
    rc, _, _ = run_gates(
        ["run", "--checklist", str(checklist), "--out", str(tmp_path / "out"), "--no-history"]
    )
    result = gate(load_report(tmp_path / "out"), "sast")
    errors = [f for f in result["findings"] if f["rule"] == "sast-parse-error"]
    assert len(errors) == 1 and not errors[0]["blocks"]
    assert errors[0]["location"]["path"] == "src/broken.js"
    assert "Parsing error: Unexpected token )" in errors[0]["message"]
    if allow:
        assert (rc, result["status"]) == (0, "pass")
    else:
        assert (rc, result["status"]) == (1, "error")
        assert "src/broken.js" in result["error"] and "allow_parse_errors" in result["error"]


@pytest.mark.parametrize("name", sorted(p.name for p in (CORPUS / "sarif").glob("*.sarif")))
def test_corpus_sarif_has_no_error_notifications(tmp_path: Path, name: str) -> None:
    """No corpus log holds an error-level notification (CodeQL's are level none): none errors."""
    shutil.copy(CORPUS / "sarif" / name, tmp_path / "x.sarif")
    out = evaluate(opts(sources=[{"tool": "sarif", "file": "x.sarif"}]), ctx(tmp_path))
    assert out.status is None, out.summary
    assert out.details["parse_errors"] == []
    assert not [f for f in out.findings if f.rule == "sast-parse-error"]
