"""config gate: env files per environment, public-prefix secrets, differ, configured headers."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from gates.checks.base import GateContext
from gates.checks.config import ConfigOptions, evaluate
from gates.model import Severity, Status
from tests.conftest import CORPUS, REPO, gate, load_report, run_gates
from tests.support.gates import gate_context


def _jwt(role: str, secret_tail: str = "sig") -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return (
        f"{part({'alg': 'HS256', 'typ': 'JWT'})}."
        f"{part({'iss': 'supabase', 'ref': 'abcdefghijklmnopqrst', 'role': role})}."
        f"Zk9xX2{secret_tail}Q0VLdG9rZW5zaWduYXR1cmVfdGVzdA"
    )


SERVICE = _jwt("service_role", "CANARYcanary")
ANON = _jwt("anon")
CANARY = "sk_live_CANARY0123456789abcdefXYZ"


def _ctx(root: Path, env: str | None) -> GateContext:
    return gate_context("config", root, env_name=env, environ={})


def _write(root: Path, name: str, text: str) -> None:
    (root / name).write_text(text)


def _blocking(out: Any) -> list[Any]:
    return [f for f in out.findings if f.blocks]


@pytest.mark.parametrize("env", ["development", "staging", "production", None])
def test_service_role_under_public_prefix_fails_in_every_env(
    tmp_path: Path, env: str | None
) -> None:
    _write(tmp_path, ".env", f"PUBLIC_SUPABASE_ANON_KEY={SERVICE}\n")
    out = evaluate(ConfigOptions(env_file=".env"), _ctx(tmp_path, env))
    [finding] = _blocking(out)
    assert finding.rule == "config-public-secret" and finding.severity is Severity.CRITICAL
    assert finding.data["kind"] == "supabase-service-role-jwt"
    assert finding.location is not None and finding.location.line == 1
    assert SERVICE not in json.dumps(finding.message) and SERVICE in out.secrets


def test_anon_key_and_publishable_key_pass(tmp_path: Path) -> None:
    _write(
        tmp_path,
        ".env",
        f"PUBLIC_SUPABASE_ANON_KEY={ANON}\n"
        "PUBLIC_SUPABASE_PUBLISHABLE_KEY=sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH\n"
        "PUBLIC_SUPABASE_URL=https://abcdefghijklmnopqrst.supabase.co\n"
        f"SUPABASE_SERVICE_ROLE_KEY={SERVICE}\n",
    )
    out = evaluate(ConfigOptions(env_file=".env"), _ctx(tmp_path, "production"))
    assert out.findings == []
    assert "4 keys checked" in out.summary


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz", "known-secret-prefix"),
        ("postgresql://postgres:hunter2hunter2@db.example.com:5432/postgres", "dsn-with-password"),
        (
            '"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----"',
            "private-key",
        ),
        ("f3K9xq2LmZ8vB7nR4tY1wP6sD0gH5jA", "high-entropy"),
        (_jwt("authenticated"), "jwt"),
    ],
)
def test_other_secret_shapes_under_public_prefix(tmp_path: Path, value: str, kind: str) -> None:
    _write(tmp_path, ".env", f"VITE_TOKEN={value}\n")
    out = evaluate(
        ConfigOptions(env_file=".env", public_prefix=["PUBLIC_", "VITE_"]),
        _ctx(tmp_path, "staging"),
    )
    assert [f.data["kind"] for f in _blocking(out)] == [kind]


def test_forbidden_value_only_in_its_environment(tmp_path: Path) -> None:
    _write(tmp_path, ".env.production", "DEBUG=true\nLOG_LEVEL=trace\n")
    _write(tmp_path, ".env.staging", "DEBUG=TRUE\n")
    options = ConfigOptions(
        env_file=".env.production", forbid={"production": {"DEBUG": True}, "*": ["LOG_LEVEL=trace"]}
    )
    out = evaluate(options, _ctx(tmp_path, "production"))
    assert sorted(f.data["key"] for f in _blocking(out)) == ["DEBUG", "LOG_LEVEL"]
    assert all(f.rule == "config-forbidden-value" for f in out.findings)
    staging = evaluate(
        options.model_copy(update={"env_file": ".env.staging"}), _ctx(tmp_path, "staging")
    )
    assert staging.findings == []


def test_required_per_env_and_formats(tmp_path: Path) -> None:
    _write(
        tmp_path,
        ".env",
        "PUBLIC_SUPABASE_URL=http://x.supabase.co\nPORT=80a\nEMPTY=\n"
        "FLAG=maybe\nREGION=us-east-1\n",
    )
    options = ConfigOptions(
        env_file=".env",
        required={
            "*": ["PUBLIC_SUPABASE_URL"],
            "production": ["EMPTY", "SUPABASE_SERVICE_ROLE_KEY"],
        },
        formats={
            "PUBLIC_SUPABASE_URL": "https-url",
            "PORT": "int",
            "FLAG": "bool",
            "REGION": "regex:^eu-",
        },
    )
    out = evaluate(options, _ctx(tmp_path, "production"))
    got = sorted((f.rule, f.data["key"]) for f in out.findings)
    assert got == [
        ("config-format", "FLAG"),
        ("config-format", "PORT"),
        ("config-format", "PUBLIC_SUPABASE_URL"),
        ("config-format", "REGION"),
        ("config-required-missing", "EMPTY"),
        ("config-required-missing", "SUPABASE_SERVICE_ROLE_KEY"),
    ]
    dev = evaluate(options.model_copy(update={"formats": {}}), _ctx(tmp_path, "development"))
    assert dev.findings == []


def test_staging_url_in_production_file_is_caught_by_differ(tmp_path: Path) -> None:
    _write(tmp_path, ".env.staging", "PUBLIC_SUPABASE_URL=https://stg.supabase.co\n")
    _write(tmp_path, ".env.production", "PUBLIC_SUPABASE_URL=https://stg.supabase.co\n")
    options = ConfigOptions(
        env_file=".env.production",
        differ={
            "keys": ["PUBLIC_SUPABASE_URL"],
            "files": {"staging": ".env.staging", "production": ".env.production"},
        },
    )
    [finding] = evaluate(options, _ctx(tmp_path, "production")).findings
    assert finding.rule == "config-not-different" and finding.blocks
    assert "stg.supabase.co" not in finding.message
    _write(tmp_path, ".env.production", "PUBLIC_SUPABASE_URL=https://prod.supabase.co\n")
    assert evaluate(options, _ctx(tmp_path, "production")).findings == []


def test_process_env_and_expansion(tmp_path: Path) -> None:
    _write(tmp_path, ".env", "PUBLIC_API=${BASE}/api\n")
    ctx = _ctx(tmp_path, "production")
    ctx.environ = {"BASE": "https://api.example.com", "PUBLIC_LEAK": SERVICE}
    out = evaluate(
        ConfigOptions(env_file=".env", from_process_env=True, formats={"PUBLIC_API": "https-url"}),
        ctx,
    )
    assert [f.data["key"] for f in out.findings] == ["PUBLIC_LEAK"]
    assert out.findings[0].location is not None
    assert out.findings[0].location.path == "<process env>"


def test_missing_env_file_and_nothing_to_check_fail_closed(tmp_path: Path) -> None:
    from gates.errors import InputError

    with pytest.raises(InputError, match="not found"):
        evaluate(ConfigOptions(env_file=".env.production"), _ctx(tmp_path, "production"))
    assert evaluate(ConfigOptions(), _ctx(tmp_path, None)).status is Status.ERROR


def test_unparseable_line_is_a_finding_with_its_line(tmp_path: Path) -> None:
    _write(tmp_path, ".env", 'A=1\nB="open\nC=2\n')
    out = evaluate(ConfigOptions(env_file=".env"), _ctx(tmp_path, None))
    [finding] = out.findings
    assert finding.rule == "config-syntax" and finding.location is not None
    assert finding.location.line == 2 and not finding.blocks  # medium < fail_on high


def test_headers_from_vercel_json_and_svelte_config(tmp_path: Path) -> None:
    shutil.copy(REPO / "examples" / "shop-web" / "vercel.json", tmp_path / "vercel.json")
    out = evaluate(
        ConfigOptions(
            headers_from=["vercel.json"],
            min_score=90,
            require=["hsts", "csp", "nosniff", "framing"],
        ),
        _ctx(tmp_path, "production"),
    )
    assert _blocking(out) == []
    assert out.details["headers"]["grade"] == "A+"
    _write(
        tmp_path,
        "svelte.config.js",
        "export default { kit: { csp: { directives: {\n"
        "  'script-src': ['self', 'unsafe-inline', 'unsafe-eval'] } } } };\n",
    )
    out = evaluate(
        ConfigOptions(headers_from=["svelte.config.js"], require=["csp"]),
        _ctx(tmp_path, "production"),
    )
    csp = [f for f in out.findings if f.rule == "content-security-policy"]
    assert csp and csp[0].blocks
    assert "'unsafe-inline' allowed in script-src" in csp[0].message
    assert "object-src missing" in csp[0].message


def test_headers_from_corpus_files_fail_like_the_observatory(tmp_path: Path) -> None:
    shutil.copy(
        CORPUS / "config" / "vercel-json-excalidraw-headers-no-csp-hsts-feature-policy-star.json",
        tmp_path / "vercel.json",
    )
    out = evaluate(ConfigOptions(headers_from=["vercel.json"], min_score=50), _ctx(tmp_path, None))
    results = {row["test"]: row["result"] for row in out.details["headers"]["tests"]}
    assert results["content-security-policy"] == "csp-not-implemented"
    assert results["strict-transport-security"] == "hsts-not-implemented"
    assert results["referrer-policy"] == "referrer-policy-unsafe"
    assert results["x-frame-options"] == "x-frame-options-not-implemented"
    # 100 - 25 (CSP) - 20 (HSTS) - 5 (referrer) - 20 (framing) = 30 → D
    assert out.details["headers"]["score"] == 30 and out.details["headers"]["grade"] == "D"
    assert out.measurements[0].status is Status.FAIL


def test_canary_secret_never_reaches_the_report(tmp_path: Path) -> None:
    _write(
        tmp_path,
        ".env.production",
        f"PUBLIC_SUPABASE_ANON_KEY={SERVICE}\nPUBLIC_STRIPE={CANARY}\nDEBUG=true\n",
    )
    _write(tmp_path, ".env.staging", f"PUBLIC_STRIPE={CANARY}\n")
    options = ConfigOptions(
        env_file=".env.production",
        forbid={"production": {"DEBUG": "true"}},
        formats={"PUBLIC_STRIPE": "int"},
        differ={
            "keys": ["PUBLIC_STRIPE"],
            "files": {"staging": ".env.staging", "production": ".env.production"},
        },
    )
    out = evaluate(options, _ctx(tmp_path, "production"))
    assert len(_blocking(out)) == 5
    dumped = (
        json.dumps([f.__dict__ for f in out.findings], default=str)
        + json.dumps(out.details)
        + out.summary
        + json.dumps([m.__dict__ for m in out.measurements], default=str)
    )
    assert CANARY not in dumped and SERVICE not in dumped and "CANARY" not in dumped
    assert CANARY in out.secrets and SERVICE in out.secrets


def test_through_gates_run_env_file_per_environment(tmp_path: Path) -> None:
    _write(
        tmp_path,
        ".env.staging",
        f"PUBLIC_SUPABASE_ANON_KEY={ANON}\nDEBUG=true\nPUBLIC_X={CANARY}\n",
    )
    _write(tmp_path, ".env.production", f"PUBLIC_SUPABASE_ANON_KEY={ANON}\nDEBUG=false\n")
    (tmp_path / "checklist.yml").write_text(
        "version: 1\nproject: t\nenvironments:\n  staging: {}\n  production: {}\ngates:\n"
        "  config:\n    type: config\n    env_file: .env.${GATES_ENV}\n"
        "    forbid: {production: {DEBUG: 'true'}}\n    required: [PUBLIC_SUPABASE_ANON_KEY]\n"
    )
    prod = run_gates(
        [
            "run",
            "--checklist",
            str(tmp_path / "checklist.yml"),
            "--out",
            str(tmp_path / "prod"),
            "--env",
            "production",
        ]
    )
    stg = run_gates(
        [
            "run",
            "--checklist",
            str(tmp_path / "checklist.yml"),
            "--out",
            str(tmp_path / "stg"),
            "--env",
            "staging",
        ]
    )
    assert prod[0] == 0, load_report(tmp_path / "prod")
    assert stg[0] == 1
    staged = gate(load_report(tmp_path / "stg"), "config")
    assert [f["rule"] for f in staged["findings"]] == ["config-public-secret"]
    assert staged["evidence"][0]["path"] == ".env.staging"
    for path in (tmp_path / "stg").rglob("*"):
        if path.is_file():
            assert CANARY not in path.read_text(errors="replace"), path


@pytest.mark.parametrize("text", ["", "# only a comment\n\n"])
def test_env_file_holding_no_keys_is_an_error(tmp_path: Path, text: str) -> None:
    # an emptied .env.production judged with `required: []` must not pass on no evidence
    _write(tmp_path, ".env.production", text)
    (tmp_path / "checklist.yml").write_text(
        "version: 1\nproject: t\ngates:\n  config:\n    type: config\n"
        "    env_file: .env.production\n"
    )
    code, _, _ = run_gates(
        ["run", "--checklist", str(tmp_path / "checklist.yml"), "--out", str(tmp_path / "out")]
    )
    result = gate(load_report(tmp_path / "out"), "config")
    assert (code, result["status"]) == (1, "error")
    assert "no keys" in result["summary"]


def test_differ_file_holding_no_keys_is_an_error(tmp_path: Path) -> None:
    from gates.errors import InputError

    _write(tmp_path, ".env.staging", "")
    _write(tmp_path, ".env.production", "PUBLIC_SUPABASE_URL=https://p.example\n")
    options = ConfigOptions(
        env_file=".env.production",
        differ={
            "keys": ["PUBLIC_SUPABASE_URL"],
            "files": {"staging": ".env.staging", "production": ".env.production"},
        },
    )
    with pytest.raises(InputError, match="no keys"):
        evaluate(options, _ctx(tmp_path, "production"))


@pytest.mark.parametrize(
    "line", ["PUBLIC_SUPABASE_ANON_KEY: {k}", "PUBLIC_SUPABASE_ANON_KEY=`{k}`"]
)
def test_vite_project_env_is_read_with_npm_dotenv_rules(tmp_path: Path, line: str) -> None:
    # python-dotenv drops `KEY: value` and keeps the backticks; Vite (npm dotenv) reads both
    _write(tmp_path, "vite.config.js", "export default {}\n")
    _write(
        tmp_path, ".env", line.format(k=SERVICE) + "\nPUBLIC_SUPABASE_URL=https://x.supabase.co\n"
    )
    out = evaluate(ConfigOptions(env_file=".env"), _ctx(tmp_path, None))
    assert out.details["env_syntax"] == "npm"
    [finding] = _blocking(out)
    assert finding.rule == "config-public-secret" and finding.location is not None
    assert finding.location.line == 1


def test_env_syntax_detection_and_override(tmp_path: Path) -> None:
    _write(tmp_path, ".env", "A=1\n")
    assert (
        evaluate(ConfigOptions(env_file=".env"), _ctx(tmp_path, None)).details["env_syntax"]
        == "python"
    )
    _write(tmp_path, "package.json", '{"devDependencies": {"@sveltejs/kit": "^2"}}')
    assert (
        evaluate(ConfigOptions(env_file=".env"), _ctx(tmp_path, None)).details["env_syntax"]
        == "npm"
    )
    forced = ConfigOptions(env_file=".env", env_syntax="python")
    assert evaluate(forced, _ctx(tmp_path, None)).details["env_syntax"] == "python"


def test_lines_npm_dotenv_drops_are_syntax_findings(tmp_path: Path) -> None:
    _write(tmp_path, "svelte.config.js", "export default {}\n")
    _write(tmp_path, ".env", "A=1\nPUBLIC_X value without separator\n")
    out = evaluate(ConfigOptions(env_file=".env"), _ctx(tmp_path, None))
    [syntax] = [f for f in out.findings if f.rule == "config-syntax"]
    assert syntax.location is not None and syntax.location.line == 2


@pytest.mark.parametrize(
    "line",
    [
        "PUBLIC_GITHUB_CLIENT_SECRET=mysupersecretvalue",
        "PUBLIC_ADMIN_PASSWORD=hunter2hunter2",
        "PUBLIC_SUPABASE_SERVICE_ROLE=abc",
        "PUBLIC_API_TOKEN=short",
        "PUBLIC_STRIPE_PRIVATE=plainwords",
    ],
)
def test_public_name_that_says_secret_blocks_whatever_the_entropy(
    tmp_path: Path, line: str
) -> None:
    _write(tmp_path, ".env", line + "\n")
    [finding] = _blocking(evaluate(ConfigOptions(env_file=".env"), _ctx(tmp_path, "production")))
    assert finding.rule == "config-public-secret" and finding.data["kind"] == "secret-name"


@pytest.mark.parametrize(
    "line",
    [
        "PUBLIC_GOOGLE_CLIENT_ID=123456789012-abc123def456ghi789jkl012mno345pq.apps.googleusercontent.com",
        "PUBLIC_POSTHOG_KEY=phc_" + "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9d",
        "PUBLIC_STRIPE_KEY=pk_" + "live_" + "51H8xYzAbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
        "PUBLIC_SENTRY_DSN=https://0123456789abcdef0123456789abcdef@o123456.ingest.sentry.io/4505",
        f"PUBLIC_SUPABASE_ANON_KEY={ANON}",
        "PUBLIC_TURNSTILE_SITE_KEY=0x4AAAAAAABkMYinukE8nzYS",
        "PUBLIC_MAPBOX_TOKEN=pk.eyJ1IjoiZXhhbXBsZSIsImEiOiJjazEyMzQ1Njc4OTAifQ.abcDEF123",
        "PUBLIC_TOKEN_TTL=3600",
        "PUBLIC_PASSWORD_MIN_LENGTH=12",
        "PUBLIC_AUTH_TOKEN_URL=https://auth.example.com/token",
        "PUBLIC_RECAPTCHA_SITE_KEY=6LcA8xYzAAAAAH3kQ9vT2mB7nR4pW1sX5uZ8cE0f",
    ],
)
def test_public_by_design_identifiers_pass(tmp_path: Path, line: str) -> None:
    _write(tmp_path, ".env", line + "\n")
    out = evaluate(ConfigOptions(env_file=".env"), _ctx(tmp_path, "production"))
    assert _blocking(out) == [], [f.message for f in out.findings]


@pytest.mark.parametrize(
    "line",
    [
        "PUBLIC_APP_SIGNING=generate_32_character_random_string_here",
        "PUBLIC_MEDIA=cloudinary://api_key:api_secret@cloud_name",
    ],
)
def test_placeholders_under_public_prefix_are_not_secrets(tmp_path: Path, line: str) -> None:
    _write(tmp_path, ".env.example", line + "\n")
    assert _blocking(evaluate(ConfigOptions(env_file=".env.example"), _ctx(tmp_path, None))) == []


def test_supabase_demo_key_is_reported_low_and_never_blocks(tmp_path: Path) -> None:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    demo = f"{part({'alg': 'HS256'})}.{part({'iss': 'supabase-demo', 'role': 'service_role'})}.sig"
    _write(tmp_path, ".env.test", f"PUBLIC_SUPABASE_ANON_KEY={demo}\n")
    out = evaluate(ConfigOptions(env_file=".env.test", fail_on="low"), _ctx(tmp_path, None))
    [finding] = out.findings
    assert finding.rule == "config-public-demo-key" and finding.severity is Severity.LOW
    assert not finding.blocks and demo in out.secrets


@pytest.mark.parametrize("nonce", ["'nonce-{{nonce}}'", "'nonce-${NONCE}'", "'nonce-r4nd0m=='"])
def test_nonce_written_in_vercel_json_is_not_a_nonce(tmp_path: Path, nonce: str) -> None:
    # Vercel sends vercel.json headers verbatim: no template is filled, a fixed nonce is public
    policy = f"default-src 'self'; script-src 'self' 'unsafe-inline' {nonce}; object-src 'none'"
    headers = [{"key": "Content-Security-Policy", "value": policy}]
    (tmp_path / "vercel.json").write_text(
        json.dumps({"headers": [{"source": "/(.*)", "headers": headers}]})
    )
    out = evaluate(ConfigOptions(headers_from=["vercel.json"]), _ctx(tmp_path, None))
    results = {row["test"]: row["result"] for row in out.details["headers"]["tests"]}
    assert results["content-security-policy"] == "csp-implemented-with-unsafe-inline"


def test_a_nonce_must_be_base64_to_count() -> None:
    from gates.web import csp

    def result(nonce: str) -> str:
        return csp.evaluate(
            [f"default-src 'none'; script-src 'unsafe-inline' {nonce}"], https=True
        ).result

    assert result("'nonce-{{nonce}}'") == "csp-implemented-with-unsafe-inline"
    assert result("'nonce-abc123+/='") != "csp-implemented-with-unsafe-inline"
