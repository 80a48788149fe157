"""vercel.json, svelte.config.js (kit.csp as text) and _headers parsers on corpus files."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.errors import InputError
from gates.parsers import headers_file, svelte_config, vercel_json
from tests.conftest import CORPUS, REPO

EXCALIDRAW = (
    CORPUS / "config" / "vercel-json-excalidraw-headers-no-csp-hsts-feature-policy-star.json"
)
LEGACY = CORPUS / "config" / "vercel-json-legacy-v2-routes-headers-no-security.json"
CF_HEADERS = CORPUS / "config" / "cloudflare-pages-_headers-csp-permissions-detach.txt"


def test_excalidraw_headers_block() -> None:
    config = vercel_json.load(EXCALIDRAW)
    assert [r.pattern for r in config.rules] == [
        "/(.*)",
        "/:file*.woff2",
        "/(Virgil|Cascadia|Assistant-Regular).woff2",
    ]
    assert sum(len(r.headers) for r in config.rules) == 8
    root = config.headers_for("/")
    assert root == {
        "access-control-allow-origin": ["https://excalidraw.com"],
        "x-content-type-options": ["nosniff"],
        "feature-policy": ["*"],
        "referrer-policy": ["origin"],
    }
    font = config.headers_for("/Virgil.woff2")
    assert font["access-control-allow-origin"] == ["*"]  # the later rule wins
    assert config.headers_for("/fonts/a.woff2")["cache-control"] == ["public, max-age=31536000"]


def test_legacy_routes_headers() -> None:
    config = vercel_json.load(LEGACY)
    assert [r.pattern for r in config.rules] == ["/assets/(.*)"]
    assert config.headers_for("/assets/app.js") == {
        "cache-control": ["public, max-age=31536000, immutable"]
    }
    assert config.headers_for("/") == {}


def test_example_app_vercel_json() -> None:
    config = vercel_json.load(REPO / "examples" / "shop-web" / "vercel.json")
    assert len(config.headers_for("/")) == 7


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("/(.*)", "/anything/here", True),
        ("/:path*", "/", True),
        ("/:path*", "/a/b", True),
        ("/blog/:slug", "/blog/x", True),
        ("/blog/:slug", "/blog/x/y", False),
        ("/:file*.woff2", "/a/b.woff2", True),
        ("/api/:rest+", "/api", False),
    ],
)
def test_path_to_regexp(pattern: str, path: str, matches: bool) -> None:
    import re

    assert (re.fullmatch(vercel_json.path_to_regex(pattern), path) is not None) is matches


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        '{"headers": {}}',
        '{"headers": [{"source": 1}]}',
        '{"headers": [{"source": "/", "headers": [{"key": "a"}]}]}',
        '{"routes": [{"src": "(", "headers": {}}]}',
        "{",
        "",
    ],
)
def test_malformed_vercel_json_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError):
        vercel_json.parse(text)


SVELTE = """import adapter from '@sveltejs/adapter-node';
const dev = process.env.NODE_ENV !== 'production';
// csp: { directives: { 'script-src': ['unsafe-eval'] } }   (a comment, ignored)
export default {
  kit: {
    adapter: adapter(),
    csp: {
      mode: 'nonce',
      directives: {
        'default-src': ['self'],
        'script-src': ['self', ...(dev ? ['unsafe-eval'] : [])], // dev only
        'img-src': ['self', 'data:', "https://cdn.example.com/a;b"],
        "frame-ancestors": ['none'],
        upgradeInsecure: true,
      },
      reportOnly: { 'script-src': ['self'], 'report-uri': ['/csp'] }
    }
  }
};
"""


def test_svelte_config_csp_read_as_text() -> None:
    policy = svelte_config.parse(SVELTE)
    assert policy is not None and policy.mode == "nonce" and policy.line == 7
    assert policy.directives == {
        "default-src": ["self"],
        "script-src": ["self", "unsafe-eval"],
        "img-src": ["self", "data:", "https://cdn.example.com/a;b"],
        "frame-ancestors": ["none"],
    }
    assert policy.report_only["report-uri"] == ["/csp"]
    header = policy.to_header()
    assert "script-src 'self' 'unsafe-eval' 'nonce-sveltekit'" in header
    assert "frame-ancestors 'none'" in header


def test_svelte_config_without_csp() -> None:
    assert svelte_config.load(REPO / "examples" / "shop-web" / "svelte.config.js") is None


def test_svelte_config_unbalanced_is_an_input_error() -> None:
    with pytest.raises(InputError):
        svelte_config.parse("export default { kit: { csp: { directives: { 'a': ['x' } } }")


def test_cloudflare_headers_file() -> None:
    parsed = headers_file.load(CF_HEADERS)
    assert [r.pattern for r in parsed.rules] == [
        "/*",
        "https://:domain.com/*",
        "https://:project.pages.dev/*",
        "https://:ref.:project.pages.dev/*",
    ]
    assert parsed.rules[0].detached == ("Link",)
    root = parsed.headers_for("/")
    assert sorted(root) == ["content-security-policy", "permissions-policy", "vary"]
    assert "frame-ancestors 'none'" in root["content-security-policy"][0]


def test_headers_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="before any path"):
        headers_file.parse("  X-Frame-Options: DENY\n")
    with pytest.raises(InputError, match="Name: value"):
        headers_file.parse("/*\n  nocolon\n")
