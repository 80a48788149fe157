"""The CI examples: stable check names, promote before the production deploy, rollback,
artifacts, SARIF upload, matrix parts that never run a gate twice; the pre-commit hook. The
Quickstart, .ci/run and install-system-deps agree with each other and with what they run."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO, require_component, run_gates

CI = REPO / "examples" / "ci"
README = REPO / "README.md"
DEPS = REPO / ".ci" / "install-system-deps"


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


def _quickstart() -> list[str]:
    text = README.read_text()
    block = text.split("## Quickstart", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.strip().splitlines()]


def test_quickstart_uses_a_venv_and_installs_what_is_missing_first() -> None:
    demo, tests = _quickstart()
    for command in (demo, tests):
        assert command.startswith(".ci/install-system-deps && python3 -m venv .venv && ")
        # PEP 668: nothing goes into the system Python
        assert "python3 -m pip" not in command and ".venv/bin/pip install" in command
    assert demo.endswith("nox -s demo") and tests.endswith("nox -s tests")


def test_ci_run_calls_exactly_the_readme_test_command() -> None:
    run = (REPO / ".ci" / "run").read_text().strip().splitlines()
    assert run[-1].strip() == _quickstart()[1]


def _node_predicate() -> str:
    text = DEPS.read_text()
    match = re.search(r"node -e '(.*?)'", text, re.S)
    assert match, "the Node version check is in .ci/install-system-deps"
    return match.group(1)


def test_the_node_check_encodes_the_locked_vite_engines() -> None:
    lock = json.loads((REPO / "examples" / "shop-web" / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/vite"]["engines"]["node"] == "^20.19.0 || >=22.12.0"
    node = shutil.which("node")
    require_component("node", node is not None, "apt-get install nodejs")
    assert node is not None
    script = _node_predicate()
    cases = {
        "18.19.0": 1,  # Debian 12's Node
        "20.18.1": 1,
        "20.19.0": 0,
        "21.7.3": 1,
        "22.11.0": 1,
        "22.12.0": 0,
        "24.1.0": 0,
    }
    for version, expected in cases.items():
        patched = script.replace("process.versions.node", json.dumps(version))
        done = subprocess.run([node, "-e", patched], timeout=30)
        assert done.returncode == expected, version
    pinned = re.search(r'NODE_VERSION="\$\{GATES_NODE_VERSION:-([\d.]+)\}"', DEPS.read_text())
    assert pinned is not None
    patched = script.replace("process.versions.node", json.dumps(pinned.group(1)))
    assert subprocess.run([node, "-e", patched], timeout=30).returncode == 0


def test_install_system_deps_asks_for_python3_venv() -> None:
    text = DEPS.read_text()
    assert "python3-venv" in text and "import ensurepip" in text
    assert subprocess.run(["bash", "-n", str(DEPS)], timeout=30).returncode == 0


def _yaml(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((REPO / "examples" / "ci" / name).read_text())
    assert isinstance(data, dict)
    return data


def test_gitlab_example_is_consistent() -> None:
    ci = _yaml("gitlab-ci.yml")
    stages = ci["stages"]
    jobs = {k: v for k, v in ci.items() if isinstance(v, dict) and "script" in v}
    assert len(jobs) >= 7
    for name, job in jobs.items():
        assert job["stage"] in stages, name
        for need in job.get("needs", []):
            assert need in jobs, f"{name} needs unknown job {need}"
        script = " ".join(job["script"])
        if "--stage post-deploy" in script:
            assert "chromium" in script, f"{name}: browser gates need Chromium"
    assert "release-gates @ git+" in " ".join(ci["default"]["before_script"])


def test_github_example_uses_the_action_and_installs_chrome_for_lighthouse() -> None:
    wf = _yaml("github-actions.yml")
    gating = []
    for name, job in wf["jobs"].items():
        text = json.dumps(job["steps"])
        if "your-org/gates@" in text or "gates run" in text:
            gating.append(name)
            # Lighthouse and the journeys need a browser the runner lacks: installed, and found
            assert "browser-actions/setup-chrome" in text, name
            assert "CHROME_PATH" in text, name
    assert {"staging-gate", "production-gate-part", "verify-staging"} <= set(gating)
    action_step = next(
        s
        for s in wf["jobs"]["staging-gate"]["steps"]
        if str(s.get("uses", "")).startswith("your-org/gates@")
    )
    assert action_step["with"]["env"] == "staging"


def test_fork_comment_workflow_matches_the_main_workflow() -> None:
    main = _yaml("github-actions.yml")
    fork = _yaml("github-pr-comment.yml")
    trigger = fork[True]["workflow_run"]  # YAML 1.1 reads the key `on` as True
    assert trigger["workflows"] == [main["name"]]
    staging = main["jobs"]["staging-gate"]
    artifact = next(
        s["with"]["artifact-name"] for s in staging["steps"] if "artifact-name" in s.get("with", {})
    )
    steps = fork["jobs"]["comment"]["steps"]
    assert steps[0]["with"]["name"] == artifact
    assert fork["permissions"]["pull-requests"] == "write"
    assert "--expect-head-sha" in steps[-1]["run"]
    assert (REPO / "action" / "sticky_comment.py").is_file()


@pytest.mark.parametrize("path", sorted((REPO / "examples" / "ci").glob("*.yml")))
def test_ci_examples_parse(path: Path) -> None:
    assert isinstance(yaml.safe_load(path.read_text()), dict)


@pytest.mark.parametrize(
    "name",
    [
        "checklist.yml",
        "examples/shop-web/checklist.yml",
        "examples/shop-web/post-deploy.yml",
        "examples/python-service/checklist.yml",
    ],
)
def test_every_shipped_checklist_validates_without_ci_secrets(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the pre-commit hook runs `gates validate` with no deploy variables set: no false block there
    for var in (
        "DEPLOY_URL",
        "PREVIOUS_URL",
        "SLACK_WEBHOOK_URL",
        "VERCEL_TOKEN",
        "PROMETHEUS_URL",
    ):
        monkeypatch.delenv(var, raising=False)
    code, _, err = run_gates(["validate", str(REPO / name)], capsys)
    assert code == 0, err
