"""LHR and budget.json parsers on the corpus (values checked against the files' own numbers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gates.errors import InputError
from gates.parsers import lighthouse, lighthouse_budget
from tests.conftest import CORPUS

LH = CORPUS / "lighthouse"
LHRS = sorted(LH.glob("lhr-*.json"))


def _raw(path: Path) -> dict[str, Any]:
    text = path.read_text()
    start = text.index("\n{") + 1 if not text.startswith("{") else 0
    raw: dict[str, Any] = json.JSONDecoder().raw_decode(text[start:])[0]
    return raw


@pytest.mark.parametrize("path", LHRS, ids=lambda p: p.name)
def test_every_corpus_lhr_matches_its_own_numbers(path: Path) -> None:
    raw = _raw(path)
    run = lighthouse.load(path)
    assert run.lighthouse_version == raw["lighthouseVersion"]
    assert run.categories == {k: v["score"] for k, v in raw["categories"].items()}
    for metric in lighthouse.METRICS:
        assert run.numeric[metric] == pytest.approx(raw["audits"][metric]["numericValue"])
    assert run.runtime_error is None
    assert run.screenshot and run.screenshot.startswith("data:image/")
    assert run.form_factor == "mobile"


def test_modern_lhr_uses_final_displayed_url_and_resource_summary() -> None:
    run = lighthouse.load(LH / "lhr-12.1.0-angular-login.json")
    assert run.final_url == "http://localhost:4200/login"
    assert run.categories["seo"] == 0.82
    assert run.resources["total"] == (4, 312873)


def test_old_lhr_falls_back_to_final_url() -> None:
    run = lighthouse.load(LH / "lhr-6.0.0-static-dir.json")
    assert run.final_url == "http://localhost:54265/index.html"
    assert run.categories["pwa"] == 0.43


def test_log_lines_around_the_json_are_skipped_and_noted() -> None:
    prefixed = lighthouse.load(LH / "lhr-13.0.3-with-chromelauncher-log-lines-prefix.json")
    trailing = lighthouse.load(LH / "lhr-13.0.3-with-trailing-log-line.json")
    assert prefixed.categories["performance"] == 0.7 == trailing.categories["performance"]
    assert prefixed.notes == ("skipped 264 Lighthouse log lines around the JSON",)
    assert trailing.notes == ("skipped 1 Lighthouse log lines around the JSON",)


def test_runtime_error_is_kept_not_zeroed() -> None:
    text = json.dumps(
        {
            "lighthouseVersion": "12.2.3",
            "requestedUrl": "http://x/",
            "runtimeError": {"code": "NO_FCP", "message": "The page did not paint"},
            "audits": {
                "first-contentful-paint": {"scoreDisplayMode": "error", "errorMessage": "NO_FCP"}
            },
            "categories": {"performance": {"score": None}},
        }
    )
    run = lighthouse.parse(text, "x.json")
    assert run.runtime_error == "NO_FCP: The page did not paint"
    assert run.value("performance") is None
    assert run.value("first-contentful-paint") is None
    assert run.audit_errors == {"first-contentful-paint": "NO_FCP"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "no JSON object"),
        ("garbage before\n{}", "not Lighthouse log output"),
        ('{"lighthouseVersion": "12"}\nnot a log line', "after the JSON"),
        ("{}", "not a Lighthouse result"),
        ('{"lighthouseVersion": "12", "audits": []}', "audits"),
        ('{"lighthouseVersion": "12", "audits": {}', "not valid JSON"),
        ("{" + "[" * 100000, "JSON"),
        ("no json here", "no JSON object"),
    ],
)
def test_hostile_lhr_text_is_a_clean_input_error(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        lighthouse.parse(text, "x.json")


def test_non_lhr_corpus_files_are_refused() -> None:
    with pytest.raises(InputError):
        lighthouse.load(LH / "lhci-manifest-windows-paths-multi-url.json")


def test_results_folder_reads_only_lhr_files(tmp_path: Path) -> None:
    folder = tmp_path / ".lighthouseci"
    folder.mkdir()
    (folder / "lhr-1.json").write_bytes((LH / "lhr-12.1.0-angular-login.json").read_bytes())
    (folder / "assertion-results.json").write_text("[]")
    assert len(lighthouse.load_results([folder])) == 1
    with pytest.raises(InputError, match="no lhr"):
        lighthouse.load_results([tmp_path])


def test_budget_json_corpus() -> None:
    budgets = lighthouse_budget.load(LH / "budget-performance-budgets-adocavo.json")
    raw = json.loads((LH / "budget-performance-budgets-adocavo.json").read_text())
    assert [b.path for b in budgets] == [r["path"] for r in raw]
    assert budgets[0].timings["largest-contentful-paint"] == 2500
    assert budgets[0].sizes["script"] == 350
    assert budgets[0].counts["total"] == 80
    blog = lighthouse_budget.for_path(budgets, "/blog/post")
    about = lighthouse_budget.for_path(budgets, "/about")
    assert blog is not None and blog.path == "/blog"
    assert about is not None and about.path == "/"


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        "[]",
        "[1]",
        '[{"resourceSizes": [{"resourceType": "x", "budget": 1}]}]',
        '[{"timings": [{"metric": "lcp"}]}]',
    ],
)
def test_bad_budget_json_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError):
        lighthouse_budget.parse(text, "budget.json")


def _lhr(mutate: object) -> str:
    doc = json.loads((CORPUS / "lighthouse" / "lhr-12.1.0-angular-login.json").read_text())
    assert callable(mutate)
    mutate(doc)
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d["categories"]["performance"].update(score=37), "scores are 0..1"),
        (lambda d: d["categories"]["seo"].update(score=12.5), "scores are 0..1"),
        (lambda d: d["categories"]["seo"].update(score=-0.1), "scores are 0..1"),
        (lambda d: d["audits"]["largest-contentful-paint"].update(numericValue=-5), "impossible"),
        (lambda d: d["audits"]["total-blocking-time"].update(numericValue=-1), "impossible"),
        (lambda d: d["audits"]["cumulative-layout-shift"].update(numericValue=-0.2), "impossible"),
        (lambda d: d["audits"]["speed-index"].update(numericValue=10**400), "impossible"),
    ],
)
def test_impossible_lighthouse_values_are_refused(mutate: object, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        lighthouse.parse(_lhr(mutate), "lhr.json")


def test_non_finite_values_are_refused() -> None:
    text = _lhr(lambda d: d["audits"]["interactive"].update(numericValue=1)).replace(
        '"numericValue": 1,', '"numericValue": NaN,', 1
    )
    assert "NaN" in text
    with pytest.raises(InputError, match="impossible"):
        lighthouse.parse(text, "lhr.json")
    assert lighthouse.parse(_lhr(lambda d: None), "lhr.json").categories["seo"] == 0.82
