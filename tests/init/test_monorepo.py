"""``gates init`` in monorepos: every way a workspace is declared (npm/yarn/bun ``workspaces``
as a list or ``{packages}``, ``pnpm-workspace.yaml`` with negations, undeclared ``apps/*`` and
sub-folder apps), gates per app pointing at its folder, libraries left out, hostile layouts
bounded; and one real run where the generated ``cwd:`` and build output meet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from gates.init.detect import detect
from gates.init.workspaces import MAX_PACKAGES
from tests.conftest import have_executable, require_component, run_gates


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _pkg(
    name: str, deps: dict[str, str], scripts: dict[str, str] | None = None, **extra: Any
) -> str:
    return json.dumps({"name": name, "scripts": scripts or {}, "devDependencies": deps, **extra})


KIT = {"@sveltejs/kit": "^2", "vite": "^6"}


def _gates(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    rc, out, err = run_gates(["init", "--print", str(root)], capsys)
    assert rc == 0, err
    (root / "checklist.yml").write_text(out)
    rc, vout, verr = run_gates(["validate", str(root / "checklist.yml")], capsys)
    assert rc == 0, (vout, verr, out)
    gates: dict[str, Any] = yaml.safe_load(out)["gates"]
    return gates


@pytest.mark.parametrize(
    ("root_files", "declared"),
    [
        (
            {
                "package.json": _pkg("r", {}, workspaces=["apps/*", "packages/*"]),
                "package-lock.json": "{}",
            },
            "package.json workspaces",
        ),
        (
            {
                "package.json": _pkg("r", {}, workspaces={"packages": ["apps/*"]}),
                "yarn.lock": "# yarn\n",
            },
            "package.json workspaces",
        ),
        (
            {
                "package.json": _pkg("r", {}),
                "pnpm-workspace.yaml": "packages:\n  - 'apps/*'\n",
                "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
            },
            "pnpm-workspace.yaml",
        ),
        ({"package.json": _pkg("r", {})}, "folders"),  # apps/* without a declaration
    ],
    ids=["npm-list", "yarn-object", "pnpm-yaml", "undeclared"],
)
def test_each_declaration_finds_the_app(
    root_files: dict[str, str], declared: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _write(
        tmp_path,
        {
            **root_files,
            "apps/web/package.json": _pkg(
                "@acme/web",
                {**KIT, "vitest": "^3", "@vitest/coverage-v8": "^3"},
                {"build": "vite build"},
            ),
            "apps/web/svelte.config.js": "export default {}\n",
            "apps/web/.env.example": "PUBLIC_SUPABASE_URL=\nPRIVATE_KEY=\n",
        },
    )
    project = detect(root)
    assert project.workspaces == declared
    assert [a.path for a in project.apps] == ["apps/web"]
    gates = _gates(root, capsys)
    manager = project.apps[0].node.manager if project.apps[0].node else ""
    assert gates["build-web"] == {
        "type": "command",
        "run": f"{manager} run build",
        "cwd": "apps/web",
    }
    assert gates["tests-web"]["cwd"] == "apps/web"
    assert gates["tests-web"]["junit"] == ["apps/web/reports/raw/vitest.xml"]
    assert "--outputFile.junit=reports/raw/vitest.xml" in gates["tests-web"]["run"]  # in cwd
    assert gates["coverage-web"]["report"] == "apps/web/coverage/cobertura-coverage.xml"
    assert gates["coverage-web"]["needs"] == ["tests-web"]
    assert gates["bundle-web"]["dir"] == "apps/web/.svelte-kit/output/client"
    assert gates["secrets"]["bundle"] == "apps/web/.svelte-kit/output/client"
    assert gates["config-web"]["env_file"] == "apps/web/.env.example"
    assert gates["config-web"]["public_prefix"] == "PUBLIC_"


def test_members_share_the_root_lock_and_manager(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "package.json": _pkg("r", {}, workspaces=["apps/*"]),
            "pnpm-lock.yaml": "x\n",
            "apps/web/package.json": _pkg("web", KIT),
        },
    )
    (app,) = detect(root).apps
    assert app.node is not None and app.node.manager == "pnpm" and not app.own_lockfile


def test_two_apps_libraries_negations_and_supabase_per_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _write(
        tmp_path,
        {
            "package.json": _pkg("r", {}),
            "pnpm-workspace.yaml": (
                "packages:\n  - apps/*\n  - packages/**\n  - '!packages/internal'\n"
            ),
            "pnpm-lock.yaml": "x\n",
            "supabase/migrations/1_root.sql": "select 1;\n",
            "apps/web/package.json": _pkg("web", KIT, {"build": "vite build"}),
            "apps/admin/package.json": _pkg("admin", {"vite": "^6", "jest": "^29"}),
            "apps/admin/vite.config.ts": "export default {}\n",
            "apps/admin/supabase/migrations/2_admin.sql": "select 1;\n",
            "packages/ui/package.json": _pkg(
                "ui", {**KIT, "vitest": "^3"}, {"build": "svelte-kit sync && svelte-package"}
            ),
            "packages/nested/lib/package.json": _pkg("lib", {"vite": "^6"}),
            "packages/nested/lib/vite.config.ts": "export default { build: { lib: {} } }\n",
            "packages/internal/package.json": _pkg("internal", {"vitest": "^3"}),
        },
    )
    gates = _gates(root, capsys)
    assert {g for g in gates if g.startswith("build")} == {"build-web", "build-admin"}
    assert gates["bundle-admin"]["dir"] == "apps/admin/dist"
    assert gates["secrets"]["needs"] == ["build-admin", "build-web"]
    assert gates["migrations"]["dir"] == "supabase/migrations"
    assert gates["migrations-admin"]["dir"] == "apps/admin/supabase/migrations"
    assert gates["tests-admin"]["junit"] == ["apps/admin/reports/raw/jest.xml"]
    # the svelte-package library is tested, never built as an app; the vite library likewise
    assert "tests-ui" in gates and "bundle-ui" not in gates and "build-ui" not in gates
    assert not any(g.endswith("-lib") for g in gates)
    assert not any(g.endswith("-internal") for g in gates)  # excluded by '!packages/internal'


def test_same_folder_name_twice_gets_the_whole_path_as_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _write(
        tmp_path,
        {
            "package.json": _pkg("r", {}, workspaces=["apps/*", "packages/*"]),
            "apps/web/package.json": _pkg("a", KIT),
            "packages/web/package.json": _pkg("b", {"vite": "^6"}),
        },
    )
    gates = _gates(root, capsys)
    assert gates["build-apps-web"]["cwd"] == "apps/web"
    assert gates["build-packages-web"]["cwd"] == "packages/web"


def test_single_package_projects_are_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _write(
        tmp_path,
        {
            "package.json": _pkg("app", KIT),
            "svelte.config.js": "export default {}\n",
            "docs/package.json": _pkg("docs", KIT),  # a docs site beside the app is not an app
        },
    )
    assert detect(root).apps == ()
    gates = _gates(root, capsys)
    assert "cwd" not in gates["build"] and gates["bundle"]["dir"] == ".svelte-kit/output/client"


def test_an_app_at_the_root_with_workspaces_of_libraries_keeps_its_gates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _write(
        tmp_path,
        {
            "package.json": _pkg("site", {**KIT, "vitest": "^3"}, workspaces=["packages/*"]),
            "svelte.config.js": "export default {}\n",
            "packages/ui/package.json": _pkg("ui", {"vitest": "^3"}),
        },
    )
    gates = _gates(root, capsys)
    assert "cwd" not in gates["build"] and gates["bundle"]["dir"] == ".svelte-kit/output/client"
    assert gates["tests"]["junit"] == ["reports/raw/vitest.xml"]
    assert gates["tests-ui"]["cwd"] == "packages/ui"
    assert gates["secrets"]["needs"] == ["build"]


def test_sveltekit_app_in_a_subfolder_beside_a_python_backend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No package.json at the root: a Python service there, the SvelteKit app in web/ with its
    own npm lock file, Supabase at the root; docs/ and tests/ sites are not apps."""
    root = _write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "api"\n[tool.pytest.ini_options]\n',
            "api/__init__.py": "",
            "supabase/migrations/1_init.sql": "create table t (id int);\n",
            "web/package.json": _pkg("web", {**KIT, "@playwright/test": "^1"}),
            "web/package-lock.json": "{}",
            "web/svelte.config.js": "export default {}\n",
            "docs/package.json": _pkg("docs", KIT),
            "tests/e2e/package.json": _pkg("e2e", {"@playwright/test": "^1"}),
        },
    )
    project = detect(root)
    assert project.workspaces == "folders"
    assert [a.path for a in project.apps] == ["web"]
    gates = _gates(root, capsys)
    assert gates["build-web"]["cwd"] == "web"
    assert gates["bundle-web"]["dir"] == "web/.svelte-kit/output/client"
    assert gates["e2e-web"]["junit"] == ["web/reports/raw/playwright.xml"]
    assert gates["migrations"]["dir"] == "supabase/migrations"
    assert gates["tests"]["type"] == "tests" and "pytest" in gates["tests"]["run"]  # the root's
    assert "npm audit --json --prefix web" in json.dumps(gates["dependencies"])
    assert not any(g.endswith(("-docs", "-e2e")) and g != "e2e-web" for g in gates)


def test_hostile_workspace_globs_stay_inside_and_are_bounded(tmp_path: Path) -> None:
    outside = _write(tmp_path / "outside", {"x/package.json": _pkg("x", KIT)})
    root = _write(
        tmp_path / "repo",
        {"package.json": _pkg("r", {}, workspaces=["../outside/*", "/etc/*", "apps/*", "link/*"])},
    )
    (root / "link").symlink_to(outside)
    for n in range(MAX_PACKAGES + 20):
        _write(root, {f"apps/a{n:03d}/package.json": _pkg(f"a{n}", {"vitest": "^3"})})
    apps = detect(root).apps
    assert len(apps) == MAX_PACKAGES
    assert all(a.path.startswith("apps/") for a in apps)


@pytest.mark.slow
def test_generated_build_and_bundle_gates_run_in_the_app_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real npm workspace: init's build gate runs ``npm run build`` in apps/web, which writes
    the SvelteKit client output there; the bundle gate finds it at the path init wrote."""
    require_component("npm", have_executable("npm"), "apt-get install npm")
    build = (
        "node -e \"const fs=require('fs');fs.mkdirSync('.svelte-kit/output/client/_app',"
        "{recursive:true});fs.writeFileSync('.svelte-kit/output/client/_app/start.js',"
        "'console.log(1)'.repeat(50));fs.writeFileSync('.svelte-kit/output/client/_app/app.css',"
        "'body{margin:0}')\""
    )
    root = _write(
        tmp_path / "mono",
        {
            "package.json": _pkg("mono", {}, workspaces=["apps/*"]),
            "apps/web/package.json": _pkg("web", KIT, {"build": build}),
        },
    )
    _gates(root, capsys)
    out = tmp_path / "reports"
    rc, _, _ = run_gates(
        [
            "run",
            "--checklist",
            str(root / "checklist.yml"),
            "--only",
            "build-web,bundle-web",
            "--out",
            str(out),
            "--no-history",
        ],
        capsys,
    )
    report = json.loads((out / "gate-report.json").read_text())
    status = {g["id"]: g["status"] for g in report["gates"]}
    summaries = {g["id"]: (g["summary"], g["error"]) for g in report["gates"]}
    status = {k: v for k, v in status.items() if k in ("build-web", "bundle-web")}
    assert status == {"build-web": "pass", "bundle-web": "pass"}, summaries
    assert rc == 0
    assert (root / "apps/web/.svelte-kit/output/client/_app/start.js").is_file()
    assert not (root / ".svelte-kit").exists()  # built in the app's folder, not at the root
