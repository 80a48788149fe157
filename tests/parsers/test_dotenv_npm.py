"""npm ``dotenv`` rules (what Vite/SvelteKit read ``.env*`` with), compared with the real package.

The example app pins ``dotenv`` 17.2.3, the version Vite 7 bundles; one long-lived ``node`` process
parses every input with ``require("dotenv").parse`` and every key/value must be equal.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example, given, seed, settings
from hypothesis import strategies as st

from gates.parsers import dotenv
from tests.conftest import CORPUS, require_component

ROOT = Path(__file__).resolve().parents[2]
NPM_DOTENV = ROOT / "examples" / "shop-web" / "node_modules" / "dotenv"
REALWORLD = ROOT / "tests" / "realworld"
_SERVER = """
const dotenv = require(process.argv[1]);
const rl = require("readline").createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const parsed = dotenv.parse(Buffer.from(JSON.parse(line), "utf8"));
  process.stdout.write(JSON.stringify(parsed) + "\\n");
});
"""


class _Node:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            ["node", "-e", _SERVER, str(NPM_DOTENV)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def parse(self, text: str) -> dict[str, str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(text) + "\n")
        self.proc.stdin.flush()
        result: dict[str, str] = json.loads(self.proc.stdout.readline())
        return result


@pytest.fixture(scope="module")
def npm() -> Iterator[_Node]:
    require_component(
        "npm dotenv", NPM_DOTENV.is_dir() and shutil.which("node") is not None, "npm ci in shop-web"
    )
    node = _Node()
    yield node
    assert node.proc.stdin is not None
    node.proc.stdin.close()
    node.proc.wait(timeout=10)


def _ours(text: str) -> dict[str, str | None]:
    return dotenv.parse_npm(text).values()


CORPUS_FILES = sorted(
    [*(CORPUS / "config").glob("*.env.example"), *REALWORLD.glob("*/env/*")], key=str
)


def test_corpus_is_not_empty() -> None:
    assert len(CORPUS_FILES) >= 9


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_matches_npm_dotenv(npm: _Node, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    expected = npm.parse(text)
    assert expected, "a corpus env file with no key compares nothing"
    assert _ours(text) == expected


CASES = [
    "PUBLIC_SUPABASE_SERVICE_ROLE_KEY: eyJhbGciOi.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.sig\n",
    "KEY=`back ticked # not a comment`\nB=1\n",
    'A="multi\nline"\nB=\'single \\n kept\'\nC="esc \\n \\r \\t"\n',
    "export  K = v # comment\n  L:\tx\nM :y\nbad line here\n=novalue\n",
    "A=1\r\nB=2\rC='3'\r\n\ufeffD=4",
    "K='unterminated\nL=2\n",
    "K=a\u2028L=b\u2029M=c\u00a0\n",
    "__proto__=x\nconstructor=y\n",
]


@pytest.mark.parametrize("text", CASES)
def test_tricky_syntax_matches_npm_dotenv(npm: _Node, text: str) -> None:
    assert _ours(text) == npm.parse(text)


_ALPHABET = [*"AB_=#:'\"`\\ \t\n\rx.-$", "export ", "\u2028", "\u00a0", "\ufeff", "é"]


@seed(20261201)
@settings(max_examples=400, deadline=None, database=None)
@given(st.lists(st.sampled_from(_ALPHABET), max_size=40).map("".join))
@example("A: `x`\nB:y\nC :  z")
def test_any_text_parses_like_npm_dotenv(npm: _Node, text: str) -> None:
    assert _ours(text) == npm.parse(text)


def test_npm_syntax_keeps_what_python_dotenv_loses() -> None:
    parsed = dotenv.parse_npm("PUBLIC_KEY: value\nOTHER=`tick`\n")
    assert parsed.values() == {"PUBLIC_KEY": "value", "OTHER": "tick"}
    assert dotenv.parse("PUBLIC_KEY: value\nOTHER=`tick`\n").values() == {"OTHER": "`tick`"}


def test_lines_npm_dotenv_ignores_are_reported_with_their_line() -> None:
    parsed = dotenv.parse_npm("A=1\nthis is not a binding\n# comment\n\nB=2\n")
    assert parsed.values() == {"A": "1", "B": "2"}
    assert [line for line, _ in parsed.errors] == [2]
    assert parsed.line_of("B") == 5
