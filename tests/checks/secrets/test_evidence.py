"""secrets gate, issue 13/14: what was not scanned is not clean; keys hidden by encoding,
splitting or size are found; placeholders and Supabase's public demo keys do not block.

Secret-looking values are assembled at run time so this file itself stays clean for any scanner.
"""

from __future__ import annotations

import base64
import gzip
from pathlib import Path

import pytest

from gates.checks.secrets import evaluate
from gates.checks.secrets.patterns import scan_bytes
from gates.checks.secrets.reading import WINDOW
from gates.checks.secrets.scan import template_file
from gates.model import Severity, Status
from tests.checks.secrets.test_secrets import CANARY, GITHUB, HEADER, b64url, ctx, opts, repo

SB_SECRET = "sb_" + "secret_" + "Qm9vdGhXaXRoQ2FuYXJ5S2V5MDEyMzQ1Njc4OQ"
DEMO = ".".join(
    [
        HEADER,
        b64url({"iss": "supabase-demo", "role": "service_role", "exp": 1983812996}),
        "EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU",
    ]
)


def _bundle(root: Path, files: dict[str, bytes]) -> Path:
    folder = root / "build" / "client"
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def _rules(out: object) -> list[str]:
    return sorted(f.rule for f in out.findings)  # type: ignore[attr-defined]


def test_service_key_in_a_bundle_chunk_over_max_file_size_is_found(tmp_path: Path) -> None:
    big = b"var a=1;" * (700 * 1024) + f'const k="{CANARY}";'.encode()
    _bundle(tmp_path, {"_app/chunk.js": big, "index.html": b"<html></html>"})
    repo(tmp_path, {"src.js": "ok\n"})
    out = evaluate(opts(bundle="build/client", max_file_size="1MiB"), ctx(tmp_path))
    assert out.status is not Status.ERROR
    assert "supabase-service-role-public" in _rules(out)
    assert out.details["bytes_scanned"] > 5 * 1024 * 1024


def test_a_key_across_a_window_border_is_found_once_with_its_line(tmp_path: Path) -> None:
    head = b"x\n" * ((WINDOW - 40) // 2)
    _bundle(tmp_path, {"a.js": head + f'k="{CANARY}"\n'.encode() + b"y" * 1000})
    repo(tmp_path, {"src.js": "ok\n"})
    out = evaluate(opts(bundle="build/client"), ctx(tmp_path))
    [found] = [f for f in out.findings if f.rule == "supabase-service-role-public"]
    assert found.location is not None and found.location.line == (WINDOW - 40) // 2 + 1


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_tracked_env_file_in_utf16_or_with_bom_is_decoded(tmp_path: Path, encoding: str) -> None:
    repo(tmp_path, {"README.md": "hi\n"})
    (tmp_path / ".env.production").write_bytes(
        f"A=1\nSUPABASE_SERVICE_ROLE_KEY={CANARY}\n".encode(encoding)
    )
    repo(tmp_path, {})
    out = evaluate(opts(), ctx(tmp_path))
    [found] = [f for f in out.findings if f.rule == "supabase-service-role-public"]
    assert found.location is not None and found.location.line == 2 and found.blocks
    if encoding != "utf-8-sig":
        assert out.details["decoded_utf16"] == [".env.production"]


def test_binary_env_file_is_scanned_as_bytes_not_skipped(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"\x00\x00\xff" + f"\nKEY={SB_SECRET}\n".encode())
    repo(tmp_path, {"a.txt": "ok\n"})
    out = evaluate(opts(), ctx(tmp_path))
    assert "supabase-service-role-public" in _rules(out) and out.details["skipped_binary"] == 0


def test_unscannable_bundle_file_is_an_error_unless_excluded_by_name(tmp_path: Path) -> None:
    _bundle(tmp_path, {"app.js": b"ok", "app.js.br": b"\x1b\x00", "other.css.br": b"\x1b\x01"})
    repo(tmp_path, {"src.js": "ok\n"})
    out = evaluate(opts(bundle="build/client"), ctx(tmp_path))
    assert out.error is not None
    assert out.status is Status.ERROR and "other.css.br" in out.error
    assert "app.js.br" not in out.error  # its uncompressed copy was scanned
    excluded = evaluate(
        opts(bundle="build/client", exclude=["build/client/other.css.br"]), ctx(tmp_path)
    )
    assert excluded.status is not Status.ERROR and excluded.findings == []
    assert excluded.details["bundle_files_excluded"] == 1


def test_bundle_symlink_out_of_the_project_is_an_error(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.js").write_text("fine")
    root = tmp_path / "proj"
    root.mkdir()
    folder = _bundle(root, {"app.js": b"ok"})
    (folder / "leak.js").symlink_to(outside / "x.js")
    repo(root, {"src.js": "ok\n"})
    out = evaluate(opts(bundle="build/client"), ctx(root))
    assert out.error is not None
    assert out.status is Status.ERROR and "leak.js" in out.error


def test_gzip_copies_in_the_bundle_are_decompressed(tmp_path: Path) -> None:
    _bundle(tmp_path, {"app.js.gz": gzip.compress(f'x="{CANARY}"'.encode())})
    repo(tmp_path, {"src.js": "ok\n"})
    out = evaluate(opts(bundle="build/client"), ctx(tmp_path))
    assert "supabase-service-role-public" in _rules(out)


def test_clean_bundle_with_images_and_fonts_passes(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64
    woff2 = b"wOF2\x00\x01\x00\x00" + bytes(reversed(range(256))) * 64
    _bundle(tmp_path, {"a.png": png, "f.woff2": woff2, "app.js": b"console.log(1)"})
    repo(tmp_path, {"src.js": "ok\n"})
    out = evaluate(opts(bundle="build/client"), ctx(tmp_path))
    assert out.status is not Status.ERROR and out.findings == []


@pytest.mark.parametrize(
    "source",
    [
        'const k = "{a}" + "{b}" + "{c}";',
        "const k = '{a}' +\n  '{b}' +\n  '{c}';",
        'KEY = ("{a}"\n       "{b}"\n       "{c}")',
    ],
)
def test_key_split_over_string_literals_is_found(source: str) -> None:
    a, b = CANARY[:3], CANARY[3:40]
    text = source.format(a=a, b=b, c=CANARY[40:])
    hits, _ = scan_bytes(text.encode())
    assert [h.rule for h in hits] == ["supabase-service-role"]
    assert hits[0].value == CANARY and "joined" in hits[0].note


def test_base64_encoded_keys_in_a_kubernetes_secret_are_found() -> None:
    manifest = (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: supabase}\ndata:\n"
        f"  service_role: {base64.b64encode(CANARY.encode()).decode()}\n"
        f"  secret: {base64.b64encode(SB_SECRET.encode()).decode()}\n"
    )
    hits, _ = scan_bytes(manifest.encode())
    decoded = [h for h in hits if "base64" in h.note]
    assert sorted(h.rule for h in decoded) == ["supabase-secret-key", "supabase-service-role"]
    assert {h.value for h in decoded} == {CANARY, SB_SECRET}
    assert [h.line_has_public_var for h in decoded] == [False, False]


def test_joined_and_decoded_text_adds_no_duplicate() -> None:
    hits, _ = scan_bytes(f'a = "{CANARY}" + "";\n'.encode())
    assert len(hits) == 1


def test_supabase_demo_key_is_low_and_never_blocks(tmp_path: Path) -> None:
    repo(tmp_path, {".env.test": f"SUPABASE_SERVICE_ROLE_KEY={DEMO}\n"})
    out = evaluate(opts(fail_on="low"), ctx(tmp_path))
    [found] = out.findings
    assert found.rule == "supabase-service-role" and found.severity is Severity.LOW
    assert not found.blocks and not found.always_blocks


@pytest.mark.parametrize(
    "line",
    [
        "SECRET_KEY=generate_32_character_random_string_here",
        "CLOUDINARY_URL=cloudinary://api_key:api_secret@cloud_name",
        "API_KEY=your-api-key-goes-here",
        "AUTH_SECRET=xxxxxxxxxxxxxxxxxxxxxxxx",
        "GITHUB_TOKEN=" + "gh" + "p_" + "x" * 36,
        "STRIPE_SECRET_KEY=sk_" + "test_" + "X" * 24,
        "JWT_SECRET=super-secret-jwt-token-with-at-least-32-characters-long",
    ],
)
def test_placeholders_in_env_example_do_not_block(tmp_path: Path, line: str) -> None:
    repo(tmp_path, {".env.example": f"{line}\n", "tests/fixtures/conf.py": f"{line}\n"})
    out = evaluate(opts(fail_on="low"), ctx(tmp_path))
    assert out.findings == [], [f.message for f in out.findings]


@pytest.mark.parametrize(
    "line",
    [
        f"SUPABASE_SERVICE_ROLE_KEY={CANARY}",
        f"GITHUB_TOKEN={GITHUB}",
        "SESSION_SECRET=" + "kQ8#vT2!zN6pW9xR4mB7" + "cY1",
    ],
)
def test_real_looking_key_in_env_example_still_blocks(tmp_path: Path, line: str) -> None:
    repo(tmp_path, {".env.example": f"{line}\n"})
    out = evaluate(opts(), ctx(tmp_path))
    assert any(f.blocks for f in out.findings), line


def test_template_files_are_named_by_convention() -> None:
    yes = [".env.example", "a/.env.sample", "src/x.test.ts", "tests/conf.py", "test_x.py"]
    no = [".env", ".env.production", "src/lib/server/db.ts", "contest/a.py", "latest.js"]
    assert [template_file(p) for p in yes] == [True] * len(yes)
    assert [template_file(p) for p in no] == [False] * len(no)


def test_python_literals_adjacent_on_one_line_are_joined() -> None:
    text = f'KEY = "{CANARY[:20]}" "{CANARY[20:]}"\n'
    hits, _ = scan_bytes(text.encode())
    assert [h.value for h in hits if h.rule == "supabase-service-role"] == [CANARY]


def test_literals_not_joined_by_an_operator_stay_apart() -> None:
    # `"eyJ…", "…"` is two values, not one key
    text = f'const parts = ["{CANARY[:20]}", "{CANARY[20:]}"];\n'
    hits, _ = scan_bytes(text.encode())
    assert [h for h in hits if h.rule.startswith("supabase")] == []


def test_real_vite_build_of_the_example_passes_and_a_planted_key_blocks() -> None:
    # a real SvelteKit build (adapter-node: .gz/.br copies, fonts, images): no false block,
    # nothing left unscanned; the same build with a service key in a chunk blocks
    from tests.support.shop_web import build

    root = build("clean")
    options = opts(
        paths=["src", "static", "supabase", "vercel.json"],
        bundle=".svelte-kit/output/client",
    )
    clean = evaluate(options, ctx(root))
    assert clean.status is not Status.ERROR, clean.error
    assert [f.message for f in clean.findings if f.blocks] == []
    assert clean.details["not_scanned"] == [] and clean.details["bundle_files"] > 0
    chunk = next((root / ".svelte-kit" / "output" / "client").rglob("*.js"))
    chunk.write_bytes(chunk.read_bytes() + f';const k="{CANARY[:10]}"+"{CANARY[10:]}";'.encode())
    seeded = evaluate(options, ctx(root))
    assert "supabase-service-role-public" in {f.rule for f in seeded.findings if f.blocks}
