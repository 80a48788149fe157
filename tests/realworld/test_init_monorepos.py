"""``gates init`` on real monorepo layouts (tests/realworld/monorepos, sources in MANIFEST.md):
the checklist validates, and every gate points at the real app's folder: ``cwd:`` where its
package.json is, evidence and build output under that folder, migrations where the SQL is."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import run_gates

MONOREPOS = Path(__file__).parent / "monorepos"
NAMES = sorted(p.name for p in MONOREPOS.iterdir() if p.is_dir())


def _init(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Any]:
    root = tmp_path / name
    shutil.copytree(MONOREPOS / name, root)
    rc, _, err = run_gates(["init", str(root)], capsys)
    assert rc == 0, err
    capsys.readouterr()
    rc, out, err = run_gates(["validate", str(root / "checklist.yml")], capsys)
    assert rc == 0, (out, err)
    return root, yaml.safe_load((root / "checklist.yml").read_text())["gates"]


def _app_of(path: str, apps: set[str]) -> str | None:
    return next((app for app in apps if path == app or path.startswith(app + "/")), None)


@pytest.mark.parametrize("name", NAMES)
def test_every_gate_points_into_a_real_app(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, gates = _init(name, tmp_path, capsys)
    cwds = {g["cwd"] for g in gates.values() if "cwd" in g}
    for folder in cwds:
        assert (root / folder / "package.json").is_file(), folder
    for gate_id, gate in gates.items():
        # a per-app gate names its app's folder, and only that one
        junit = gate.get("junit", [])
        for path in [*junit, gate.get("report", "")] if junit or "report" in gate else []:
            assert _app_of(path, cwds), (gate_id, path)
        if gate["type"] == "tests" and "cwd" in gate:
            assert all(p.startswith(gate["cwd"] + "/") for p in junit), gate_id
        if gate["type"] == "bundle":
            build = gates[gate["needs"][0]]
            assert gate["dir"].startswith(build["cwd"] + "/"), gate_id
        if gate["type"] == "migrations":
            assert any((root / gate["dir"]).glob("*.sql")), gate_id
        for key in ("env_file", "headers_from"):
            if key in gate:
                assert (root / gate[key]).is_file(), (gate_id, key)
    secrets = gates["secrets"]
    bundles = secrets.get("bundle", [])
    bundles = [bundles] if isinstance(bundles, str) else bundles
    assert sorted(bundles) == sorted(g["dir"] for g in gates.values() if g["type"] == "bundle")


def test_bun_workspaces_sveltekit_app_and_supabase_in_another_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """usagizmo/webapp-template: ``workspaces.packages`` (bun), the SvelteKit app in apps/web,
    Supabase in apps/api, a static site with a vercel.json in apps/pages, a svelte-package
    library and an eslint config in packages/."""
    _, gates = _init("usagizmo-webapp-template", tmp_path, capsys)
    assert gates["build-web"] == {"type": "command", "run": "bun run build", "cwd": "apps/web"}
    assert gates["bundle-web"]["dir"] == "apps/web/.svelte-kit/output/client"
    assert gates["secrets"]["needs"] == ["build-web"]
    assert gates["migrations-api"]["dir"] == "apps/api/supabase/migrations"
    assert gates["config-web"]["headers_from"] == "apps/web/vercel.json"
    assert gates["config-pages"]["headers_from"] == "apps/pages/vercel.json"
    assert gates["config"]["env_file"] == ".env.example"  # the root one (apps/web: envDir ../../)
    assert gates["config"]["public_prefix"] == "PUBLIC_"  # the SvelteKit app's, which reads it
    assert "bun.lock" in json.dumps(gates["dependencies"])
    # the library (svelte-package) and the shared config get no build, bundle or Lighthouse
    assert not any(gate_id.endswith(("-shared", "-eslint-config")) for gate_id in gates)
    assert "build" not in gates and "bundle" not in gates  # nothing is built at the root


def test_pnpm_workspace_sveltekit_client_with_vite_libraries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """TeemuKoivisto/sveltekit-monorepo-template: pnpm-workspace.yaml ``packages/*``, a scoped
    SvelteKit client in packages/client; api, lib and private-pkg are Vite ``build.lib``
    builds (a server and libraries), Prisma migrations are not Supabase's."""
    _, gates = _init("teemukoivisto-sveltekit-monorepo-template", tmp_path, capsys)
    assert gates["build-client"]["cwd"] == "packages/client"
    assert gates["build-client"]["run"] == "pnpm run build"
    assert gates["bundle-client"]["dir"] == "packages/client/.svelte-kit/output/client"
    builds = sorted(g for g in gates if g.startswith("build"))
    assert builds == ["build-client"]
    assert not any(g.startswith("migrations") for g in gates)
    assert gates["config-client"]["env_file"] == "packages/client/.env-example"
    assert gates["config-client"]["required"] == ["VITE_API_URL"]
    assert "JWT_SECRET" in gates["config-api"]["required"]
    assert "pnpm-lock.yaml" in json.dumps(gates["dependencies"])


def test_app_in_a_subfolder_with_its_own_lock_and_supabase_at_the_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """kobiebotha/opencellar: no workspaces, frontend/ with its own pnpm lock file and env
    example (a webpack app: nothing gates builds), supabase/migrations at the root."""
    _, gates = _init("kobiebotha-opencellar", tmp_path, capsys)
    assert gates["migrations"]["dir"] == "supabase/migrations"
    assert "--lockfile frontend/pnpm-lock.yaml" in json.dumps(gates["dependencies"])
    assert gates["config-frontend"]["env_file"] == "frontend/.env.example"
    assert not any(g.startswith(("build", "bundle")) for g in gates)
