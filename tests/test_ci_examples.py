"""The CI examples: stable check names, promote before the production deploy, rollback,
artifacts, SARIF upload, matrix parts that never run a gate twice; the pre-commit hook."""

from __future__ import annotations

from typing import Any

import yaml

from tests.conftest import REPO

CI = REPO / "examples" / "ci"


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((CI / name).read_text())
    assert isinstance(data, dict)
    return data


def _steps_text(job: dict[str, Any]) -> list[str]:
    return [str(step.get("run") or step.get("uses") or "") for step in job["steps"]]


def test_github_actions_workflow() -> None:
    jobs = _load("github-actions.yml")["jobs"]
    names = {job.get("name") for job in jobs.values()}
    assert {"gates / staging", "gates / production"} <= names
    deploy = jobs["deploy-production"]
    assert deploy["environment"] == "production"
    steps = _steps_text(deploy)
    promote = next(i for i, s in enumerate(steps) if s.startswith("gates promote"))
    first_deploy = next(i for i, s in enumerate(steps) if "vercel deploy" in s)
    assert promote < first_deploy
    assert "--to production" in steps[promote] and "--max-age" in steps[promote]
    verify = jobs["verify-production"]
    rollback = next(s for s in verify["steps"] if "vercel rollback" in str(s.get("run", "")))
    assert "failure()" in rollback["if"]
    all_steps = [s for job in jobs.values() for s in _steps_text(job)]
    assert any(s.startswith("github/codeql-action/upload-sarif") for s in all_steps)
    assert any(s.startswith("actions/upload-artifact") for s in all_steps)
    assert any("GITHUB_STEP_SUMMARY" in s for s in all_steps)
    parts = jobs["production-gate-part"]["strategy"]["matrix"]["include"]
    ids = [g for part in parts for g in part["only"].split(",")]
    assert len(ids) == len(set(ids)), "a gate in two parts would be flagged by gates merge"


def test_gitlab_ci() -> None:
    data = _load("gitlab-ci.yml")
    production = data["deploy:production"]
    assert production["environment"]["name"] == "production"
    assert production["rules"][0]["when"] == "manual"
    assert production["script"][0].startswith("gates promote")
    assert any("vercel rollback" in line for line in data["verify:production"]["script"])
    only = data["gates:production:part"]["parallel"]["matrix"][0]["ONLY"]
    ids = [g for part in only for g in part.split(",")]
    assert len(ids) == len(set(ids))


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "gates-validate")
    assert hook["entry"] == "gates validate" and hook["language"] == "python"
    assert "checklist" in hook["files"]
