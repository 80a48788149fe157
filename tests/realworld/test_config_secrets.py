"""Real Supabase/SvelteKit projects' env examples and supabase/config.toml
(tests/corpus/config, sources in tests/corpus/MANIFEST.md): the judgements a person verified
(tests/realworld/MANIFEST.md, section "config and secrets"). A false block and a false pass both
fail here: each real file must pass as committed, and the same file with its template values
filled with a service_role key in the public variable must block, with the anon key must pass.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from gates.checks.base import GateContext
from gates.checks.config import ConfigOptions
from gates.checks.config import evaluate as config_gate
from gates.checks.secrets import SecretsOptions
from gates.checks.secrets import evaluate as secrets_gate
from gates.model import Status
from tests.conftest import CORPUS, have_executable, require_component

CONFIG = CORPUS / "config"
PREFIXES = ["PUBLIC_", "VITE_", "NEXT_PUBLIC_"]

# project -> (env example in tests/corpus/config, supabase/config.toml or None, consumer,
#             the public variable that holds the Supabase browser key)
PROJECTS: dict[str, tuple[str, str | None, str, str]] = {
    "community_goals": (
        "env-example-community-goals.env.example",
        None,
        "vite",
        "VITE_SUPABASE_ANON_KEY",
    ),
    "nextjs-subscription-payments": (
        "env-example-nextjs-subscription-payments.env.example",
        "supabase-config-nextjs-subscription-payments.toml",
        "next",
        "",
    ),
    "quantalyze": (
        "env-example-nextjs-supabase-service-role-tripwire-comments.env.example",
        "supabase-config-quantalyze.toml",
        "next",
        "NEXT_PUBLIC_SUPABASE_ANON_KEY",
    ),
    "sveltekit-supabase-dashboard": (
        "env-example-sveltekit-public-supabase-private-service-key.env.example",
        None,
        "sveltekit",
        "PUBLIC_SUPABASE_ANON_KEY",
    ),
    "jacksonthall22-sveltekit-supabase": (
        "env-example-sveltekit-publishable-secret-keys-db-url.env.example",
        None,
        "sveltekit",
        "PUBLIC_SUPABASE_PUBLISHABLE_DEFAULT_KEY",
    ),
    "sveltekit-supabase-ssr": (
        "env-example-sveltekit-ssr-new-key-names.env.example",
        None,
        "sveltekit",
        "PUBLIC_SUPABASE_PUBLISHABLE_KEY",
    ),
    "build-a-saas-with-sveltekit": (
        "env-example-sveltekit-vite-prefix-stripe.env.example",
        None,
        "sveltekit",
        "VITE_SUPABASE_ANON_KEY",
    ),
    "lodgeical2": (
        "env-example-vite-supabase-stripe-lodgeical.env.example",
        "supabase-config-lodgeical.toml",
        "vite",
        "VITE_SUPABASE_ANON_KEY",
    ),
    "sveltekit-supabase-starter": (
        "env-local-example-sveltekit-private-service-role.env.example",
        None,
        "sveltekit",
        "PUBLIC_SUPABASE_ANON_KEY",
    ),
    "todofam": ("", "supabase-config-todofam.toml", "vite", ""),
}
_MANIFESTS = {
    "vite": '{"devDependencies": {"vite": "^5"}}',
    "sveltekit": '{"devDependencies": {"@sveltejs/kit": "^2", "vite": "^5"}}',
    "next": '{"dependencies": {"next": "14"}}',
}


def _jwt(role: str) -> str:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    claims = {"iss": "supabase", "ref": "realworldref0000000", "role": role, "exp": 2000000000}
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJlLXJlYWx3b3JsZA"


def _project(root: Path, name: str, env_text: str | None = None) -> Path:
    require_component("git", have_executable("git"))
    env, toml, consumer, _ = PROJECTS[name]
    if env:
        text = env_text if env_text is not None else (CONFIG / env).read_text(encoding="utf-8")
        (root / ".env.example").write_text(text, encoding="utf-8", newline="")
    if toml:
        (root / "supabase").mkdir()
        shutil.copy(CONFIG / toml, root / "supabase" / "config.toml")
    (root / "package.json").write_text(_MANIFESTS[consumer])
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    return root


def _ctx(root: Path) -> GateContext:
    return GateContext(gate_id="rw", root=root, out_dir=root / "reports", timeout=60)


def _with_key(name: str, key: str) -> str:
    env, _, _, variable = PROJECTS[name]
    text = (CONFIG / env).read_text(encoding="utf-8")
    filled, count = re.subn(
        rf"^({re.escape(variable)}[ \t]*=[ \t]*)(['\"]?).*?\2(\r?)$",
        lambda m: f"{m.group(1)}{m.group(2)}{key}{m.group(2)}{m.group(3)}",
        text,
        flags=re.MULTILINE,
    )
    assert count == 1, f"{variable} is bound once in {env}"
    return filled


def test_every_project_is_in_the_corpus() -> None:
    for env, toml, _, _ in PROJECTS.values():
        assert not env or (CONFIG / env).is_file()
        assert not toml or (CONFIG / toml).is_file()
    assert sum(1 for p in PROJECTS.values() if p[0]) >= 6


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_real_files_as_committed_pass(tmp_path: Path, name: str) -> None:
    # verified by reading each file: every value is a template ("your-…-here", "REPLACE_ME",
    # "[...]", hCaptcha's documented test keys) and config.toml reads its secrets with env()
    root = _project(tmp_path, name)
    scan = secrets_gate(SecretsOptions(), _ctx(root))
    assert scan.status is not Status.ERROR, scan.error
    assert [f for f in scan.findings if f.blocks] == [], [f.message for f in scan.findings]
    if PROJECTS[name][0]:
        config = config_gate(
            ConfigOptions(env_file=".env.example", public_prefix=PREFIXES), _ctx(root)
        )
        assert config.status is not Status.ERROR, config.error
        assert [f.message for f in config.findings if f.blocks] == []


FILLED = sorted(n for n, p in PROJECTS.items() if p[3])


@pytest.mark.parametrize("name", FILLED)
def test_service_role_key_in_the_public_variable_blocks(tmp_path: Path, name: str) -> None:
    root = _project(tmp_path, name, _with_key(name, _jwt("service_role")))
    scan = secrets_gate(SecretsOptions(), _ctx(root))
    assert {f.rule for f in scan.findings if f.blocks} == {"supabase-service-role-public"}
    config = config_gate(ConfigOptions(env_file=".env.example", public_prefix=PREFIXES), _ctx(root))
    blocking = [f for f in config.findings if f.blocks]
    assert [(f.rule, f.data["key"]) for f in blocking] == [
        ("config-public-secret", PROJECTS[name][3])
    ]


@pytest.mark.parametrize("name", FILLED)
def test_anon_key_in_the_public_variable_passes(tmp_path: Path, name: str) -> None:
    root = _project(tmp_path, name, _with_key(name, _jwt("anon")))
    scan = secrets_gate(SecretsOptions(), _ctx(root))
    assert [f.message for f in scan.findings if f.blocks] == []
    config = config_gate(ConfigOptions(env_file=".env.example", public_prefix=PREFIXES), _ctx(root))
    assert [f.message for f in config.findings if f.blocks] == []


def test_public_vercel_json_without_security_headers_is_graded_like_the_observatory(
    tmp_path: Path,
) -> None:
    # community_goals' vercel.json (read): only cache-control on routes, no security header
    shutil.copy(
        CONFIG / "vercel-json-legacy-v2-routes-headers-no-security.json", tmp_path / "vercel.json"
    )
    out = config_gate(ConfigOptions(headers_from=["vercel.json"], require=["csp"]), _ctx(tmp_path))
    results = {row["test"]: row["result"] for row in out.details["headers"]["tests"]}
    assert results["content-security-policy"] == "csp-not-implemented"
    assert results["strict-transport-security"] == "hsts-not-implemented"
    assert any(f.blocks for f in out.findings)
