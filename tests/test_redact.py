"""Secret values never reach a writer: masked in every string field of the report."""

from __future__ import annotations

import base64
import dataclasses
import itertools
import json
import re
import sys
from pathlib import Path
from typing import Any

from hypothesis import given, seed, settings
from hypothesis import strategies as st

from gates.model import Finding, Severity
from gates.redact import mask, redact_report
from gates.report.codec import finalize
from gates.writers import WRITERS
from tests.support.sample_report import hostile_report

CANARY = "canary-SECRET-9f8e7d6c5b4a"


def _jwt(role: str) -> str:
    def part(obj: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    header = part({"alg": "HS256", "typ": "JWT"})
    return f"{header}.{part({'iss': 'supabase', 'role': role})}.sig_abcdef"


def _seeded(text: str):  # type: ignore[no-untyped-def]
    report = hostile_report()
    gate = report.gates[0]
    finding = Finding(
        rule="secret",
        severity=Severity.CRITICAL,
        message=f"found {text}",
        title=f"t {text}",
        data={"value": text, "nested": [{text: text}]},
    )
    gate = dataclasses.replace(
        gate,
        summary=f"s {text}",
        error=f"e {text}",
        findings=(*gate.findings, finding),
        details={"rows": [{"v": text}], text: 1},
    )
    return finalize(
        dataclasses.replace(
            report, gates=(gate, *report.gates[1:]), verdict_reasons=(f"r {text}",)
        ),
        None,
    )


def test_mask_shows_at_most_four_characters() -> None:
    shown = mask(CANARY)
    assert shown.startswith("[REDACTED:cana…#") and CANARY not in shown
    assert mask("abcdef").startswith("[REDACTED:a…#")  # a short secret shows a quarter at most


def test_secret_masked_in_every_field_and_every_output() -> None:
    report = redact_report(_seeded(CANARY), [CANARY, "short"])
    assert report.digest == ""  # content changed: the digest must be recomputed
    for name, writer in WRITERS.items():
        text = writer(report)
        assert CANARY not in text, name
        assert "canary-SECRET" not in text, name
    assert mask(CANARY) in report.gates[0].summary
    assert report.gates[0].findings[-1].data["nested"][0] == {mask(CANARY): mask(CANARY)}


def test_short_values_are_left_alone() -> None:
    report = redact_report(hostile_report(), ["true", "12345"])
    assert report == hostile_report()


def test_longest_secret_first_and_no_double_masking() -> None:
    report = redact_report(_seeded("abcdefgh-1234"), ["abcdefgh", "abcdefgh-1234"])
    assert mask("abcdefgh-1234") in report.gates[0].summary
    assert "-1234" not in report.gates[0].summary


def test_service_role_jwt_always_masked_anon_kept() -> None:
    service, anon = _jwt("service_role"), _jwt("anon")
    report = redact_report(_seeded(f"{service} and {anon}"), [])
    summary = report.gates[0].summary
    assert service not in summary and anon in summary
    assert (
        "sb_secret_"
        not in redact_report(_seeded("sb_secret_abcdefghijklmnop"), []).gates[0].summary
    )


def test_hashes_and_images_are_not_touched() -> None:
    report = hostile_report()
    sha = report.gates[0].evidence[0].sha256
    out = redact_report(report, [sha, report.gates[2].artifacts[0].data_base64[:20]])
    assert out.gates[0].evidence[0].sha256 == sha
    assert out.gates[2].artifacts[0].data_base64 == report.gates[2].artifacts[0].data_base64


def test_run_secrets_are_interpolated_variables_that_look_secret() -> None:
    from gates.redact import looks_secret, run_secrets

    environ = {
        "VERCEL_TOKEN": "plain-but-named-token",
        "DATABASE_URL": "postgres://app:hunter2hunter2@db:5432/app",
        "OPAQUE": "Zx9Qv2Lm8Kp4Tz7Rw1YsAb3Cd",
        "DEPLOY_URL": "https://staging.example.com",
        "NODE_ENV": "production",
        "UNUSED_SECRET": "never-interpolated-secret",
        "GATES_SIGNING_KEY": "the-signing-key-0123",
    }
    text = "run: deploy ${VERCEL_TOKEN} ${DATABASE_URL} ${OPAQUE} ${DEPLOY_URL} ${NODE_ENV} $${X}"
    found = run_secrets(text, environ)
    assert found == [
        "plain-but-named-token",
        "postgres://app:hunter2hunter2@db:5432/app",
        "Zx9Qv2Lm8Kp4Tz7Rw1YsAb3Cd",
        "the-signing-key-0123",
    ]
    assert not looks_secret("DEPLOY_URL", "https://staging.example.com")
    assert not looks_secret("API_KEY", "abc")  # too short to mask without garbling text


def test_known_key_forms_are_masked_without_being_told() -> None:
    from gates.redact import Redactor

    github = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    aws = "AKIA" + "IOSFODNN7EXAMPLE"
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"
    text = f"token {github} and {aws}\n{pem}\nend"
    masked = Redactor(()).text(text)
    for value in (github, aws, "MIIEpAIBAAKCAQEA"):
        assert value not in masked
    assert masked.count("[REDACTED:") == 3 and masked.endswith("\nend")
    assert Redactor(()).bytes(b"plain \xff bytes") == b"plain \xff bytes"
    assert github.encode() not in Redactor(()).bytes(github.encode() + b" \xff")


# --- logs: masked at write time ----------------------------------------------------------------

PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    + "\n".join("MIIEowIBAAKCAQEA" + "x" * 48 for _ in range(30))
    + "\n-----END RSA PRIVATE KEY-----"
)
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"


def _through_writer(chunks: list[bytes], secrets: list[str]) -> bytes:
    from gates.redact import MaskingWriter, Redactor

    written: list[bytes] = []
    writer = MaskingWriter(written.append, Redactor(secrets))
    for chunk in chunks:
        writer.write(chunk)
    writer.close()
    return b"".join(written)


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(max(c, 0), len(data)) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


@seed(20261202)
@settings(max_examples=300, deadline=None)
@given(
    before=st.text(alphabet=" \nabcxyz-_.:=0123456789é€", max_size=3000),
    after=st.text(alphabet=" \nabcxyz-_.:=0123456789é€", max_size=3000),
    cuts=st.lists(st.integers(min_value=0, max_value=7000), max_size=12),
    which=st.sampled_from(["known", "multiline", "stripe", "pem", "unicode"]),
)
def test_a_secret_split_over_any_writes_is_masked_whole(
    before: str, after: str, cuts: list[int], which: str
) -> None:
    """Whatever the chunk boundaries (inside the secret, inside a UTF-8 character), the log
    gets exactly what masking the whole stream at once gives, and never the secret."""
    from gates.redact import Redactor

    secret = {
        "known": CANARY,
        "multiline": "line-one-SECRET\nline-two-SECRET",
        "stripe": STRIPE,
        "pem": PEM,
        "unicode": "pässwörd-€-SECRET",
    }[which]
    known = [] if which in ("stripe", "pem") else [secret]
    data = f"{before} {secret} {after} {secret}".encode()
    out = _through_writer(_split(data, cuts), known)
    assert out == Redactor(known).bytes(data)
    assert secret.encode() not in out
    assert mask(secret).encode() in out


def test_complete_lines_are_written_at_once_and_a_long_line_is_held_back_bounded() -> None:
    """A crash loses at most the unfinished end of a line: complete lines reach the sink
    immediately, an unfinished one once it is longer than the hold."""
    from gates.redact import HOLD_CHARS, MaskingWriter, Redactor

    written: list[bytes] = []
    writer = MaskingWriter(written.append, Redactor([CANARY]))
    writer.write(f"first {CANARY}\nsecond ".encode())
    assert b"".join(written) == f"first {mask(CANARY)}\n".encode()
    writer.write(b"y" * (HOLD_CHARS + len(CANARY) + 10))
    assert len(b"".join(written)) > len(f"first {mask(CANARY)}\nsecond ")
    writer.close()
    assert b"".join(written).endswith(b"y" * 10)


def test_an_unfinished_private_key_block_is_held_until_it_ends() -> None:
    from gates.redact import MaskingWriter, Redactor

    written: list[bytes] = []
    writer = MaskingWriter(written.append, Redactor(()))
    head, tail = PEM[: len(PEM) // 2], PEM[len(PEM) // 2 :]
    writer.write(f"key:\n{head}".encode())
    assert b"".join(written) == b"key:\n"  # the block's lines are held, not written
    writer.write(f"{tail}\ndone\n".encode())
    assert b"".join(written) == f"key:\n{mask(PEM)}\ndone\n".encode()


def test_a_key_block_whose_end_line_is_unfinished_is_still_held() -> None:
    """``-----END RSA PRIVATE KEY`` without its closing dashes has not ended the block: the
    block stays held (it was once written unmasked, the end line's dashes arriving later)."""
    from gates.redact import MaskingWriter, Redactor

    written: list[bytes] = []
    writer = MaskingWriter(written.append, Redactor(()))
    writer.write(f"key:\n{PEM[:-5]}".encode())
    assert b"".join(written) == b"key:\n"
    writer.write(b"-----\ndone\n")
    assert b"".join(written) == f"key:\n{mask(PEM)}\ndone\n".encode()


def test_a_key_block_after_a_stray_header_is_held_whole() -> None:
    """A private key header printed alone (never ended), then, less than a block's span later,
    a real key: at every chunk size the log gets what masking the whole stream gives. (The
    writer once looked only at the first header after the last END: once that stray header was
    a span away, the real block was cut and 30 lines of its key written as they were.)"""
    from gates.redact import Redactor

    stray = "-----BEGIN RSA PRIVATE KEY-----\n"
    filler = "".join(f"line {i:04d} " + "y" * 88 + "\n" for i in range(90))
    data = f"{stray}{filler}{PEM}\ndone\n".encode()
    whole = Redactor(()).bytes(data)
    assert b"MIIEow" not in whole and mask(PEM).encode() in whole
    for size in range(40, 400, 9):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert _through_writer(chunks, []) == whole, size


def test_command_logs_are_masked_as_written_with_the_process_secrets(tmp_path: Path) -> None:
    """``run_tool`` streams both outputs into the log through the process's log redactor: the
    argv line, a secret split over two writes, a known key form, and the end."""
    from gates import process, redact

    log = tmp_path / "logs" / "g.log"
    previous = redact.log_secrets()
    redact.set_log_secrets([CANARY])
    try:
        script = (
            f"import sys, time; c = {CANARY!r}; sys.stdout.write(c[:5]); sys.stdout.flush(); "
            f"time.sleep(0.2); print(c[5:]); print({STRIPE!r}, file=sys.stderr)"
        )
        run = process.run_tool([sys.executable, "-c", script, CANARY], timeout=20, log_path=log)
    finally:
        redact.set_log_secrets(previous)
    assert CANARY in run.stdout  # the gate itself still sees what the command printed
    text = log.read_text()
    assert CANARY not in text and STRIPE not in text and CANARY[5:] not in text
    assert text.count(mask(CANARY)) == 3  # argv (twice: the script and the argument), stdout
    assert mask(STRIPE) in text and text.endswith("--- exit 0 ---\n")


def test_a_background_servers_output_is_masked_into_its_log(tmp_path: Path) -> None:
    """A server (Lighthouse's ``server.run``) writes into a pipe that gates masks into its log
    while it runs (docs/reports.md): a known value split over two writes and a key form on
    stderr are in the log masked while the server is still up, and never as they were."""
    import os
    import time

    from gates import process, redact

    log = tmp_path / "logs" / "g.server.log"
    previous = redact.log_secrets()
    redact.set_log_secrets([CANARY])
    script = (
        f"import sys, time; c = {CANARY!r}; sys.stdout.write(c[:5]); sys.stdout.flush(); "
        f"time.sleep(0.2); print(c[5:], flush=True); print({STRIPE!r}, file=sys.stderr, "
        "flush=True); time.sleep(60)"
    )
    try:
        with process.background(
            [sys.executable, "-c", script], cwd=tmp_path, env=dict(os.environ), log_path=log
        ) as proc:
            deadline = time.monotonic() + 60
            while (log.read_text() if log.exists() else "").count(mask(STRIPE)) < 2:
                assert time.monotonic() < deadline, log.read_text() if log.exists() else "no log"
                time.sleep(0.05)
            running = log.read_text()
            assert proc.poll() is None  # masked as it was written, not when the server ended
    finally:
        redact.set_log_secrets(previous)
    for text in (running, log.read_text()):
        assert CANARY not in text and CANARY[5:] not in text and STRIPE not in text
        assert text.count(mask(CANARY)) == 2  # argv (the script), stdout
        assert text.count(mask(STRIPE)) == 2  # argv, stderr


KEY_SAMPLES = {
    "pem": PEM,
    "aws": "ASIA" + "IOSFODNN7EXAMPLE",
    "stripe": STRIPE,
    "stripe-restricted": "rk_test_" + "a" * 20,
    "stripe-webhook": "whsec_" + "b" * 30,
    "github": "gho_" + "c" * 36,
    "github-pat": "github_pat_" + "d" * 70,
    "slack": "xoxb-" + "1" * 20,
    "openai": "sk-proj-" + "e" * 48,
    "npm": "npm_" + "f" * 36,
    "pypi": "pypi-AgEIcHlwaS5vcmc" + "g" * 60,
    "sendgrid": "SG." + "h" * 22 + "." + "i" * 43,
    "supabase": "sb_secret_" + "j" * 20,
}


def test_every_key_form_passes_the_quick_test_and_is_masked() -> None:
    """The literal pre-test (what lets clean text skip the regular expressions) lets every key
    form through: a sample of each of the forms is masked in text and in a log."""
    from gates.redact import _KEY_FORMS, KEY_PATTERNS, Redactor, may_hold_key

    for _literals, pattern in _KEY_FORMS:  # every form has a sample
        assert any(re.fullmatch(pattern, sample) for sample in KEY_SAMPLES.values()), pattern
    for name, sample in KEY_SAMPLES.items():
        assert KEY_PATTERNS.fullmatch(sample), name
        assert may_hold_key(f"x {sample} y"), name
        assert sample not in Redactor(()).text(f"x {sample} y"), name
        assert sample.encode() not in _through_writer([f"x {sample} y\n".encode()], []), name
    assert not may_hold_key("an ordinary log line, 0123456789 abcdef\n" * 100)


def test_hostile_floods_pass_through_the_writer_whole() -> None:
    """Output made to look like the start of a secret (a flood of private key headers, one
    3 MB token, END lines) is neither lost nor held without bound: all of it reaches the log.
    (A flood of BEGIN lines once cost 10,000 regex steps per line: ~30 s for 3 MB.)"""
    floods = [
        b"-----BEGIN RSA PRIVATE KEY-----\n" * 50_000,
        b"eyJhbGciOi.eyJzdWIiOi." + b"b" * 3_000_000,
        b"-----END RSA PRIVATE KEY-----\n" * 50_000,
    ]
    for data in floods:
        chunks = [data[i : i + 65536] for i in range(0, len(data), 65536)]
        assert _through_writer(chunks, [CANARY]) == data


# --- the fast paths of report redaction ---------------------------------------------------------

_TEXT = st.text(alphabet=' \n"\\abcxyz-_.:=/é€\x01', max_size=60)
_SECRETISH = st.sampled_from(
    [
        CANARY,
        'quote"and\\back-SECRET',
        "line-one-SECRET\nline-two",
        "pässwörd-€-SECRET",
        PEM,
        STRIPE,
    ]
)


@seed(20261203)
@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.text(alphabet='abcé"\\\n', min_size=1, max_size=8), min_size=1, max_size=8),
    text=st.text(alphabet='abcé"\\\n ', max_size=200),
)
def test_the_trie_pattern_finds_what_a_longest_first_alternation_finds(
    values: list[str], text: str
) -> None:
    """:func:`literal_union` (a trie) matches exactly where the flat alternation of the values,
    longest first, matches: the same spans, so the same text is masked."""
    from gates.redact import literal_union

    flat = re.compile("|".join(re.escape(v) for v in sorted(set(values), key=len, reverse=True)))
    trie = re.compile(literal_union(values))
    assert [m.span() for m in trie.finditer(text)] == [m.span() for m in flat.finditer(text)]


@seed(20261204)
@settings(max_examples=400, deadline=None)
@given(
    parts=st.lists(
        st.one_of(_TEXT, _SECRETISH, st.sampled_from(list(KEY_SAMPLES.values()))), max_size=5
    ),
    known=st.lists(_SECRETISH, max_size=3),
    role=st.sampled_from(["anon", "service_role"]),
    with_jwt=st.booleans(),
    as_key=st.booleans(),
)
def test_a_report_whose_json_shows_nothing_to_mask_has_nothing_to_mask(
    parts: list[str], known: list[str], role: str, with_jwt: bool, as_key: bool
) -> None:
    """The JSON probe that lets a clean report skip the walk over every string never says
    "nothing" when the walk would mask something (escaped quotes, backslashes, newlines, key
    forms, service_role JWTs, private key blocks; in values and in keys)."""
    from gates.redact import Redactor

    text = "".join(parts) + (f" {_jwt(role)} " if with_jwt else "")
    value = {text: 1} if as_key else {"a": [text, {"b": text}]}
    redactor = Redactor(known)
    probe = json.dumps(value, ensure_ascii=False)
    if not redactor.may_mask_json(probe):
        assert redactor.value(value) == value
    if with_jwt and role == "service_role":
        assert redactor.may_mask_json(probe)


def test_a_clean_report_is_returned_as_is_and_a_dirty_one_masked() -> None:
    clean = hostile_report()
    assert redact_report(clean, ["not-anywhere-in-it-42"]) is clean
    seeded = _seeded(CANARY)
    redacted = redact_report(seeded, [CANARY])
    assert redacted is not seeded and CANARY not in json.dumps(dataclasses.asdict(redacted))


def test_only_the_gates_that_hold_a_secret_are_rewritten() -> None:
    seeded = _seeded(CANARY)  # the canary is in the first gate and in the verdict reasons
    redacted = redact_report(seeded, [CANARY])
    assert all(new is old for new, old in zip(redacted.gates[1:], seeded.gates[1:], strict=True))
    assert redacted.gates[0] is not seeded.gates[0]
    assert CANARY not in json.dumps(dataclasses.asdict(redacted.gates[0]))
    assert redacted.verdict_reasons == (f"r {mask(CANARY)}",)
    assert redacted.digest == "" and redacted.signature is None


def test_a_secret_outside_every_gate_is_masked_and_the_gates_are_kept() -> None:
    report = hostile_report()
    dirty = dataclasses.replace(report, verdict_reasons=(f"r {CANARY}",))
    redacted = redact_report(dirty, [CANARY])
    assert redacted.verdict_reasons == (f"r {mask(CANARY)}",)
    assert all(new is old for new, old in zip(redacted.gates, dirty.gates, strict=True))


def test_a_probe_that_says_maybe_but_masks_nothing_keeps_the_report_and_its_digest() -> None:
    # "PRIVATE KEY" makes the probe say "maybe"; no key block follows, so nothing is masked
    report = finalize(
        dataclasses.replace(hostile_report(), verdict_reasons=("no PRIVATE KEY here",)), None
    )
    assert redact_report(report, []) is report and report.digest


def test_the_encoding_kept_on_a_report_is_the_encoding_of_the_final_report() -> None:
    """Redaction, the digest and the JSON writer share one encoding of the report
    (``report_dict``); after ``finalize`` it is still exactly ``to_dict`` of the result."""
    from gates.report.codec import report_dict, to_dict

    report = hostile_report()
    report_dict(report)
    final = finalize(report, b"key")
    assert report_dict(final) == to_dict(final)
    assert report_dict(final)["digest"] == final.digest and final.signature


def test_values_nested_in_each_other_thousands_deep_still_mask_the_longest() -> None:
    """A trie of ``secret``, ``secretx``, ``secretxx``… nests one group per value: past a depth
    the flat alternation is used (a RecursionError would crash the run's report writing)."""
    from gates.redact import Redactor

    values = ["secret-" + "x" * i for i in range(2000)]
    masked = Redactor(values).text(f"a {values[1500]} b {values[3]}")
    assert masked == f"a {mask(values[1500])} b {mask(values[3])}"


def test_a_secret_the_codec_writes_as_text_or_a_list_is_masked_in_every_format() -> None:
    """Gate details and finding data are ``Any``: a set, a frozenset, a ``Path`` (as a value or
    a key) is written by the report's codec as a list or as its text, and the secret in it is
    masked there as in a string (the walk once passed them by unchanged while the probe, which
    reads the codec's JSON, saw them: gate-report.json held the secret)."""
    report = hostile_report()
    gate = report.gates[0]
    finding = Finding(
        rule="secret", severity=Severity.HIGH, message="m", data={"in": frozenset([CANARY])}
    )
    details: dict[Any, Any] = {"set": {CANARY, "other"}, "path": Path("/srv") / CANARY}
    details[Path(CANARY)] = 1  # typed str keys; the codec writes any key as its text
    gate = dataclasses.replace(gate, findings=(*gate.findings, finding), details=details)
    report = dataclasses.replace(report, gates=(gate, *report.gates[1:]))
    redacted = finalize(redact_report(report, [CANARY]), None)
    for name, writer in WRITERS.items():
        text = writer(redacted)
        assert "canary-SECRET" not in text, name
    written = json.loads(WRITERS["json"](redacted))
    details = written["gates"][0]["details"]
    assert details["path"] == f"/srv/{mask(CANARY)}" and mask(CANARY) in details
    assert sorted(details["set"]) == sorted([mask(CANARY), "other"])
    assert written["gates"][0]["findings"][-1]["data"] == {"in": [mask(CANARY)]}
