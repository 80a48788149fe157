"""Vite manifest parser on the corpus and on hostile input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gates.errors import InputError
from gates.parsers import vite_manifest
from tests.conftest import CORPUS

MANIFESTS = sorted((CORPUS / "bundle").glob("vite-manifest-*.json"))


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_every_corpus_manifest_parses_with_all_its_keys(path: Path) -> None:
    raw = json.loads(path.read_text())
    manifest = vite_manifest.load(path)
    assert set(manifest.chunks) == set(raw)
    for key, chunk in manifest.chunks.items():
        assert chunk.file == raw[key]["file"]
        assert chunk.is_entry == bool(raw[key].get("isEntry"))


def test_crxjs_closure_follows_shared_chunks_and_css() -> None:
    manifest = vite_manifest.load(CORPUS / "bundle" / "vite-manifest-crxjs-extension-odd-keys.json")
    assert len(manifest.entries) == 4
    closure = manifest.closure("index.html")
    assert closure.keys == ("index.html", "_storage-DBII9k0A.js")
    assert closure.files == (
        "assets/index.html-CM1DTpM9.js",
        "assets/storage-DBII9k0A.js",
        "assets/index-DJudPJWE.css",
    )
    assert manifest.closure("../../../../@crx/manifest").files == (
        "assets/crx-manifest.js-CRv4cmyv.js",
    )


def test_minimal_manifest_counts_css_in_the_closure() -> None:
    manifest = vite_manifest.load(CORPUS / "bundle" / "vite-manifest-minimal-single-entry-css.json")
    assert manifest.closure("js/index.js").files == (
        "assets/index-CEtzVbXp.js",
        "assets/index-DH7HLWMz.css",
    )


def test_laravel_manifest_has_assets_without_entries() -> None:
    manifest = vite_manifest.load(
        CORPUS / "bundle" / "vite-manifest-laravel-assets-fonts-images.json"
    )
    assert len(manifest.chunks) == 25
    assert all(
        not c.is_entry for c in manifest.chunks.values() if c.file.endswith((".png", ".woff2"))
    )


def test_dynamic_imports_are_listed_apart_and_cycles_end() -> None:
    text = json.dumps(
        {
            "a.js": {
                "file": "a.js",
                "isEntry": True,
                "imports": ["_b.js"],
                "dynamicImports": ["lazy.js"],
            },
            "_b.js": {"file": "b.js", "imports": ["a.js"]},
            "lazy.js": {"file": "lazy.js", "isDynamicEntry": True},
        }
    )
    closure = vite_manifest.parse(text, "m.json").closure("a.js")
    assert closure.files == ("a.js", "b.js")
    assert closure.dynamic == ("lazy.js",)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("[]", "JSON object"),
        ("{}", "no chunks"),
        ('{"a": 1}', "not an object"),
        ('{"a": {"name": "x"}}', "no 'file'"),
        ('{"a": {"file": "a.js", "imports": ["missing"]}}', "not in the manifest"),
        ('{"a": {"file": "a.js", "css": "x.css"}}', "list of strings"),
        ('{"a": {"file": "a.js"', "not valid JSON"),
        ("[" * 100000, "JSON"),
    ],
)
def test_hostile_manifests_are_clean_input_errors(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        vite_manifest.parse(text, "m.json")


def test_unknown_entry_is_an_input_error() -> None:
    manifest = vite_manifest.parse('{"a": {"file": "a.js"}}', "m.json")
    with pytest.raises(InputError, match="not a key"):
        manifest.closure("b")
