"""secrets gate: canary Supabase service_role key in a tracked file, the bundle and a PUBLIC_
variable in a tracked .env; redaction everywhere; allowlist, baseline, symlinks, fallbacks.

Secret-looking values are assembled at run time so this file itself stays clean for any scanner.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import subprocess
from pathlib import Path

import pytest

from gates.checks.base import GateContext, GateOutcome
from gates.checks.secrets import SecretsOptions, evaluate
from gates.checks.secrets.patterns import decode_jwt_payload, redact, scan_bytes, shannon_entropy
from gates.model import Status
from tests.conftest import have_executable, load_report, require_component, run_gates
from tests.support.gates import gate_context


def b64url(obj: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


HEADER = b64url({"alg": "HS256", "typ": "JWT"})
CANARY = ".".join(
    [
        HEADER,
        b64url({"role": "service_role", "iss": "supabase", "ref": "canaryref0123"}),
        "Q0FOQVJZLXNpZ25hdHVyZS1kby1ub3QtbGVhaw",
    ]
)
ANON = ".".join(
    [
        HEADER,
        b64url({"role": "anon", "iss": "supabase", "ref": "canaryref0123"}),
        "YW5vbi1zaWduYXR1cmUtcHVibGljLWJ5LWRlc2lnbg",
    ]
)
GITHUB = "gh" + "p_" + "Zq8vB2nW4xK7mR1tY6uI3oP9aS5dF0gH2jL4"
PARTS = CANARY.split(".")


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def repo(root: Path, files: dict[str, str], untracked: dict[str, str] | None = None) -> Path:
    require_component("git", have_executable("git"))
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    for name, text in (untracked or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def ctx(root: Path) -> GateContext:
    return gate_context("secrets", root)


def opts(**kw: object) -> SecretsOptions:
    return SecretsOptions.model_validate(kw)


def visible(outcome: GateOutcome) -> str:
    """Everything of the outcome that reaches reports (all but ``secrets``), as JSON."""
    data = dataclasses.asdict(outcome)
    data.pop("secrets")
    return json.dumps(data, default=str)


def assert_no_canary(text: str) -> None:
    for needle in (CANARY, PARTS[1], PARTS[2], GITHUB):
        assert needle not in text


CLEAN_FILES = {
    "src/app.ts": "export const url = import.meta.env.PUBLIC_SUPABASE_URL;\n",
    ".gitignore": "build/\n.env.local\n",
    "README.md": "# app\n",
}


def test_clean_project_passes(tmp_path: Path) -> None:
    repo(tmp_path, CLEAN_FILES)
    out = evaluate(opts(), ctx(tmp_path))
    assert out.status is None and out.findings == [] and out.details["files_scanned"] == 3
    assert out.details["source"] == "git ls-files"


def test_canary_in_tracked_file_blocks_and_is_redacted(tmp_path: Path) -> None:
    repo(tmp_path, {**CLEAN_FILES, "src/lib/admin.ts": f"const key = '{CANARY}';\n"})
    out = evaluate(opts(), ctx(tmp_path))
    (finding,) = out.findings
    assert finding.rule == "supabase-service-role" and finding.blocks
    assert finding.severity.value == "critical" and finding.location is not None
    assert (finding.location.path, finding.location.line) == ("src/lib/admin.ts", 1)
    assert CANARY in out.secrets
    assert_no_canary(visible(out))
    assert redact(CANARY) in finding.message


def test_canary_in_public_env_var_and_bundle_always_blocks(tmp_path: Path) -> None:
    files = {
        **CLEAN_FILES,
        ".env.production": f"PUBLIC_SUPABASE_ANON_KEY={CANARY}  # gates:allow-secret\n",
    }
    repo(tmp_path, files)
    bundle = tmp_path / "build" / "client" / "_app" / "immutable" / "chunks"
    bundle.mkdir(parents=True)
    (bundle / "index.js").write_text(f'const a="{ANON}";const s="{CANARY}";export{{a,s}};\n')
    (bundle / "anon-only.js").write_text(f'createClient(u,"{ANON}")\n')
    first = evaluate(opts(bundle="build/client"), ctx(tmp_path))
    public = [f for f in first.findings if f.rule == "supabase-service-role-public"]
    assert {f.data["context"] for f in public} == {"env-file", "bundle"}
    assert all(f.blocks and f.always_blocks and f.severity.value == "critical" for f in public)
    assert not any(f.location and f.location.path.endswith("anon-only.js") for f in first.findings)
    assert first.details["anon_keys_seen"] == 2 and first.details["bundle_files"] == 2
    env = next(f for f in public if f.data["context"] == "env-file")
    assert env.data["allowlist_ignored"]  # the inline allowlist cannot accept it
    # Neither fail_on nor a baseline entry makes it non-blocking.
    baseline = {"version": 1, "findings": [{"fingerprint": f.fingerprint} for f in first.findings]}
    (tmp_path / ".secrets-baseline.json").write_text(json.dumps(baseline))
    again = evaluate(
        opts(bundle="build/client", fail_on="critical", baseline=".secrets-baseline.json"),
        ctx(tmp_path),
    )
    assert [f.blocks for f in again.findings if f.rule == "supabase-service-role-public"] == [
        True,
        True,
    ]
    assert_no_canary(visible(first) + visible(again))


def test_sb_secret_key_in_public_variable(tmp_path: Path) -> None:
    key = "sb_" + "secret_" + "N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"
    repo(tmp_path, {"src/config.ts": f"export const cfg = {{ VITE_SUPABASE_KEY: '{key}' }};\n"})
    (finding,) = evaluate(opts(), ctx(tmp_path)).findings
    assert (
        finding.rule == "supabase-service-role-public"
        and finding.data["context"] == "public-variable"
    )


def test_allowlist_comment_and_baseline(tmp_path: Path) -> None:
    repo(
        tmp_path,
        {"a.py": f"TOKEN = '{GITHUB}'  # gates:allow-secret\n", "b.py": f"TOKEN = '{GITHUB}'\n"},
    )
    out = evaluate(opts(), ctx(tmp_path))
    (finding,) = out.findings
    assert finding.location is not None and finding.location.path == "b.py" and finding.blocks
    assert out.details["allowlisted"] == 1
    candidate = json.loads(
        (tmp_path / "reports" / "artifacts" / "secrets" / "secrets-baseline.json").read_text()
    )
    assert candidate["findings"][0]["fingerprint"] == finding.fingerprint
    assert_no_canary(json.dumps(candidate))
    (tmp_path / "base.json").write_text(json.dumps(candidate))
    accepted = evaluate(opts(baseline="base.json"), ctx(tmp_path))
    assert accepted.findings[0].data["baselined"] and not accepted.findings[0].blocks
    # A line shift keeps the fingerprint.
    (tmp_path / "b.py").write_text(f"import os\n\n\nTOKEN = '{GITHUB}'\n")
    shifted = evaluate(opts(baseline="base.json"), ctx(tmp_path))
    assert (
        shifted.findings[0].fingerprint == finding.fingerprint
        and shifted.findings[0].location is not None
        and shifted.findings[0].location.line == 4
    )


def test_missing_or_bad_baseline_fails_closed(tmp_path: Path) -> None:
    repo(tmp_path, CLEAN_FILES)
    from gates.errors import InputError

    with pytest.raises(InputError):
        evaluate(opts(baseline="nope.json"), ctx(tmp_path))
    (tmp_path / "bad.json").write_text('{"results": {}}')
    with pytest.raises(InputError, match="fingerprint"):
        evaluate(opts(baseline="bad.json"), ctx(tmp_path))


def test_untracked_and_ignored_files_are_not_scanned_by_default(tmp_path: Path) -> None:
    repo(
        tmp_path, CLEAN_FILES, untracked={"notes.txt": f"{GITHUB}\n", ".env.local": f"X={GITHUB}\n"}
    )
    assert evaluate(opts(), ctx(tmp_path)).findings == []
    with_untracked = evaluate(opts(include_untracked=True), ctx(tmp_path)).findings
    assert [f.location.path for f in with_untracked if f.location] == [
        "notes.txt"
    ]  # .env.local ignored


def test_symlink_out_of_project_binary_and_large_files_skipped(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"{GITHUB}\n")
    root = tmp_path / "proj"
    root.mkdir()
    (root / "link.txt").symlink_to(outside / "secret.txt")
    (root / "blob.bin").write_bytes(b"\x00\x01" + GITHUB.encode())
    (root / "big.txt").write_text(GITHUB + "\n" + "x" * 5000)
    repo(root, {"ok.txt": "fine\n"})
    out = evaluate(opts(max_file_size="1kB"), ctx(root))
    assert out.findings == []
    assert out.details["skipped_outside_project"] == ["link.txt"]
    assert out.details["skipped_binary"] == 1 and out.details["skipped_large"][0].startswith(
        "big.txt"
    )


def test_not_a_git_repo_walks_the_tree_respecting_gitignore(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("dist/\n*.log\n")
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "x.js").write_text(f"{GITHUB}\n")
    (tmp_path / "debug.log").write_text(f"{GITHUB}\n")
    (tmp_path / "node_modules" / "p").mkdir(parents=True)
    (tmp_path / "node_modules" / "p" / "i.js").write_text(f"{GITHUB}\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(f"token = '{GITHUB}'\n")
    out = evaluate(opts(), ctx(tmp_path))
    assert out.details["source"] == "walk"
    assert [f.location.path for f in out.findings if f.location] == ["src/app.py"]


def test_hung_git_is_killed_at_the_gate_timeout_and_the_tree_is_walked(tmp_path: Path) -> None:
    # A git that hangs (then would list nothing) must not hold the gate beyond its own timeout:
    # it is killed at ctx.timeout and the tree walk finds the secret the empty listing hides.
    fake = tmp_path / "fakebin"
    fake.mkdir()
    (fake / "git").write_text("#!/bin/sh\nsleep 20\n")
    (fake / "git").chmod(0o755)
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text(f"token = '{GITHUB}'\n")
    context = GateContext(
        gate_id="secrets",
        root=root,
        out_dir=root / "reports",
        timeout=1,
        environ={**os.environ, "PATH": f"{fake}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    out = evaluate(opts(), context)
    assert out.details["source"] == "walk"
    assert [f.location.path for f in out.findings if f.location] == ["src/app.py"]


def test_missing_bundle_and_nothing_scanned_fail_closed(tmp_path: Path) -> None:
    repo(tmp_path, CLEAN_FILES)
    from gates.errors import InputError

    with pytest.raises(InputError, match="build the app first"):
        evaluate(opts(bundle="build/client"), ctx(tmp_path))
    assert evaluate(opts(paths=["nothing-here"]), ctx(tmp_path)).status is Status.ERROR


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n", "private-key"),
        ("AKIA" + "Z7Q3XK5N2M4P6R8T\n", "aws-access-key-id"),
        (
            "aws_secret_access_key = " + "Zx9+Qw3/Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz2Xc4Vb" + "\n",
            "aws-secret-access-key",
        ),
        (
            "stripe = '" + "sk_" + "live_" + "51HqLyjWDarjtT1zdp7dcXYZ12345678" + "'\n",
            "stripe-live-secret-key",
        ),
        ("x = '" + "xox" + "b-1234567890-abcdefghijKLMN" + "'\n", "slack-token"),
        ("const apiKey = 'a8F3kLq9Zx2Vb7Nm4Pw6Rt1Yu5Io0Ps3';\n", "high-entropy-assignment"),
        ("SECRET_KEY=f3a9c1e7b2d84a6f9e0c5b1d7a3f8e2c\n", "high-entropy-assignment"),
        (HEADER + "." + b64url({"sub": "user-1", "exp": 1}) + ".c2lnbmF0dXJlLXh5eg\n", "jwt"),
    ],
)
def test_patterns_detect(text: str, rule: str) -> None:
    hits, _ = scan_bytes(text.encode())
    assert [h.rule for h in hits] == [rule]


@pytest.mark.parametrize(
    "text",
    [
        "password = 'supersecretkey'\n",  # low entropy
        "token = request.headers.get('Authorization')\n",  # a reference, not a literal
        "api_key = os.environ['API_KEY']\n",
        "SECRET_KEY=your-secret-key-here-change-me\n",  # placeholder
        "AKIA" + "IOSFODNN7EXAMPLE\n",  # AWS documentation key
        f'createClient(url, "{ANON}")\n',  # anon key: public by design
        "const t = 'sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH';\n",
        "api_key = '$request.header.x-api-key-2024'\n",  # a template reference
        "token = antlr4.Token.INVALID_TYPE2\n",  # a dotted attribute path
    ],
)
def test_patterns_ignore(text: str) -> None:
    assert scan_bytes(text.encode())[0] == []


def test_jwt_decoding_and_helpers() -> None:
    assert decode_jwt_payload(CANARY) == {
        "role": "service_role",
        "iss": "supabase",
        "ref": "canaryref0123",
    }
    assert decode_jwt_payload("eyJ.bad!.x") is None
    shown = redact(CANARY)
    assert shown.startswith("[REDACTED:" + CANARY[:4] + "…#") and CANARY[4:12] not in shown
    assert shannon_entropy("aaaa") == 0.0 and shannon_entropy("ab") == 1.0


def test_canary_never_reaches_any_output_file(tmp_path: Path) -> None:
    files = {
        **CLEAN_FILES,
        "src/lib/admin.ts": f"const key = '{CANARY}';\n",
        ".env": f"PUBLIC_SUPABASE_ANON_KEY={CANARY}\nGH={GITHUB}\n",
    }
    repo(tmp_path, files)
    bundle = tmp_path / "build" / "client"
    bundle.mkdir(parents=True)
    (bundle / "app.js").write_text(f'const s="{CANARY}";\n')
    (tmp_path / "checklist.yml").write_text(
        "version: 1\nproject: t\ngates:\n  secrets:\n    type: secrets\n    bundle: build/client\n"
    )
    out = tmp_path / "reports"
    rc, _, _ = run_gates(
        ["run", "--checklist", str(tmp_path / "checklist.yml"), "--out", str(out), "--no-history"]
    )
    assert rc == 1
    report = load_report(out)
    secrets = next(g for g in report["gates"] if g["id"] == "secrets")
    assert secrets["status"] == "fail"
    assert sum(f["rule"] == "supabase-service-role-public" for f in secrets["findings"]) == 2
    written = [p for p in out.rglob("*") if p.is_file()]
    assert {p.suffix for p in written} >= {".json", ".html", ".sarif", ".xml", ".md"}
    for path in written:
        assert_no_canary(path.read_text(errors="replace"))
    env_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if env_summary and Path(env_summary).exists():
        assert_no_canary(Path(env_summary).read_text(errors="replace"))
