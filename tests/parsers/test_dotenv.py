"""dotenv parser: every corpus env file agrees with python-dotenv (the reference implementation)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from dotenv import dotenv_values
from hypothesis import example, given, seed, settings
from hypothesis import strategies as st

from gates.errors import InputError
from gates.parsers import dotenv
from tests.conftest import CORPUS

ENV_FILES = sorted((CORPUS / "config").glob("*.env.example"))
EXPECTED_COUNTS = {
    "env-example-community-goals.env.example": 9,
    "env-example-nextjs-subscription-payments.env.example": 3,
    "env-example-nextjs-supabase-service-role-tripwire-comments.env.example": 33,
    "env-example-sveltekit-public-supabase-private-service-key.env.example": 6,
    "env-example-sveltekit-publishable-secret-keys-db-url.env.example": 8,
    "env-example-sveltekit-ssr-new-key-names.env.example": 3,
    "env-example-sveltekit-vite-prefix-stripe.env.example": 7,
    "env-example-vite-supabase-stripe-lodgeical.env.example": 3,
    "env-local-example-sveltekit-private-service-role.env.example": 3,
}


def test_corpus_has_every_env_file() -> None:
    assert sorted(p.name for p in ENV_FILES) == sorted(EXPECTED_COUNTS)


@pytest.mark.parametrize("path", ENV_FILES, ids=lambda p: p.name)
def test_corpus_matches_python_dotenv(path: Path) -> None:
    parsed = dotenv.load(path)
    assert parsed.values() == dict(dotenv_values(path, interpolate=False))
    assert dotenv.expand(parsed, {}) == dict(dotenv_values(path, interpolate=True))
    assert len(parsed.entries) == EXPECTED_COUNTS[path.name]
    assert parsed.errors == ()


def test_corpus_details() -> None:
    crlf = dotenv.load(
        CORPUS / "config" / "env-example-sveltekit-public-supabase-private-service-key.env.example"
    )
    assert crlf.values()["PUBLIC_DEMO_MODE"] == "true"  # inline comment after a quoted value
    assert crlf.values()["PUBLIC_SUPABASE_URL"] == ""
    assert crlf.line_of("PRIVATE_SUPABASE_SERVICE_KEY") == 10
    single = dotenv.load(
        CORPUS / "config" / "env-local-example-sveltekit-private-service-role.env.example"
    )
    assert single.entries[-1].quote == "'" and single.entries[-1].line == 5


TRICKY = """# comment
export A=1
B = "x\\ny" # comment
C='it\\'s'
D="multi
line"
E=a#b
F=a #c
G
'H'=q
I=${A}-${NOPE:-def}-${B}
J=  spaced  value
bad line "
K="unterminated
L=ok
"""


def test_tricky_syntax_matches_python_dotenv() -> None:
    parsed = dotenv.parse(TRICKY)
    assert parsed.values() == dict(dotenv_values(stream=io.StringIO(TRICKY), interpolate=False))
    assert dotenv.expand(parsed, {}) == dict(dotenv_values(stream=io.StringIO(TRICKY)))
    assert [line for line, _ in parsed.errors] == [13, 14]
    assert parsed.line_of("D") == 5 and parsed.line_of("L") == 15
    assert parsed.entries[0].exported and parsed.values()["D"] == "multi\nline"


def test_expansion_prefers_file_then_environ() -> None:
    parsed = dotenv.parse("A=file\nB=${A}\nC=${HOME_X:-fallback}\nD=${EMPTY:-x}\n")
    assert dotenv.expand(parsed, {"A": "env", "HOME_X": "h", "EMPTY": ""}) == {
        "A": "file",
        "B": "file",
        "C": "h",
        "D": "",
    }
    assert dotenv.expand(parsed, {"A": "env"}, override=False)["B"] == "env"


@pytest.mark.parametrize("data", [b"", b"\n\n", b"# only a comment\n"])
def test_empty_files_have_no_entries(tmp_path: Path, data: bytes) -> None:
    (tmp_path / ".env").write_bytes(data)
    assert dotenv.load(tmp_path / ".env").entries == ()


@pytest.mark.parametrize("data", [b"\xff\xfe\x00junk", b"A=1\x00\n"])
def test_hostile_bytes_are_input_errors(tmp_path: Path, data: bytes) -> None:
    (tmp_path / ".env").write_bytes(data)
    with pytest.raises(InputError):
        dotenv.load(tmp_path / ".env")


def test_missing_and_huge_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        dotenv.load(tmp_path / "nope.env")
    (tmp_path / "big.env").write_bytes(b"A=" + b"x" * (dotenv.MAX_BYTES + 1))
    with pytest.raises(InputError, match="limit"):
        dotenv.load(tmp_path / "big.env")


@seed(20261201)
@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet=st.sampled_from(list("AB=#'\"\\ \n\rx$.{}:-export")), max_size=60))
@example(':="\\"')  # python-dotenv 1.2: a quoted value ending in a lone backslash is no value
def test_any_text_parses_like_python_dotenv(text: str) -> None:
    parsed = dotenv.parse(text)
    assert parsed.values() == dict(dotenv_values(stream=io.StringIO(text), interpolate=False))
    assert dotenv.expand(parsed, {}) == dict(dotenv_values(stream=io.StringIO(text)))


def test_lone_backslash_before_closing_quote_is_an_error_like_python_dotenv() -> None:
    for text in (':="\\"', "A='\\'", 'A="x\\"\nB=1\n'):
        parsed = dotenv.parse(text)
        assert parsed.values() == dict(dotenv_values(stream=io.StringIO(text), interpolate=False))
    assert dotenv.parse(':="\\"').values() == {}


def test_line_numbers_of_a_long_file_are_right_after_a_rewind() -> None:
    # line() counts incrementally; a statement that fails rewinds the reader and must still get
    # its own line number (counting from the start each time once cost quadratic time)
    blocks = 3000
    env = dotenv.parse("A=1\n# note\nB='x\ny'\nbad line here\n" * blocks)
    assert [(e.key, e.line) for e in env.entries[:4]] == [("A", 1), ("B", 3), ("A", 6), ("B", 8)]
    assert [e.line for e in env.entries[-2:]] == [5 * (blocks - 1) + 1, 5 * (blocks - 1) + 3]
    assert [line for line, _ in env.errors] == [5 * k + 5 for k in range(blocks)]
