"""Mask secret values in a Report before any writer sees it (STYLE rule 18).

Every string of the report (summaries, messages, titles, errors, details and finding data,
recursively, dict keys included) has each known secret value replaced by
``[REDACTED:<prefix>…#<sha256[:8]>]``. The prefix is at most 4 characters and at most a quarter
of the secret, so a short secret never shows most of itself; the hash lets two reports be
compared without the value. Independently of the list given, JWTs whose payload role is
``service_role``, new-style ``sb_secret_…`` Supabase keys and the credentials of
:data:`KEY_PATTERNS` are always masked.

The secrets a run knows (:func:`run_secrets`) are every ``${VAR}`` the checklist interpolates
whose name or value looks secret, and ``GATES_SIGNING_KEY``; the runner adds every value a gate
reports in ``GateOutcome.secrets``. This one format is used in every output: reports, logs,
the terminal, annotations and history.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from enum import Enum
from typing import Any

from gates.model import Report, field_names

MIN_SECRET_LENGTH = 6
"""Shorter values are not masked: replacing ``true`` or ``1234`` everywhere would garble text."""

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_SB_SECRET = re.compile(r"sb_secret_[A-Za-z0-9_-]{8,}")
_KEY_FORMS: tuple[tuple[tuple[str, ...], str], ...] = (
    # (literals one of which every match contains, the pattern)
    (
        ("PRIVATE KEY",),
        # the body never holds "-----" (base64, RFC 1421 headers): each BEGIN scans no further
        # than the next dashes, so a flood of BEGIN lines is linear, not 10,000 steps per line
        r"-----BEGIN[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----(?:[^-]|-(?!----)){0,10000}?"
        r"-----END[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----",
    ),
    (("AKIA", "ASIA", "ABIA", "ACCA"), r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),
    (("k_live_", "k_test_"), r"(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,247}"),
    (("whsec_",), r"whsec_[0-9A-Za-z]{24,}"),
    (("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), r"gh[pousr]_[A-Za-z0-9]{36,251}"),
    (("github_pat_",), r"github_pat_[A-Za-z0-9_]{60,255}"),
    (("xox",), r"xox[abposr]-[0-9A-Za-z-]{10,250}"),
    (("sk-proj-", "sk-svcacct-", "sk-admin-"), r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}"),
    (("npm_",), r"npm_[A-Za-z0-9]{36}\b"),
    (("pypi-AgEIcHlwaS5vcmc",), r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
    (("SG.",), r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),
    (("sb_secret_",), _SB_SECRET.pattern),
)
KEY_PATTERNS = re.compile("|".join(pattern for _, pattern in _KEY_FORMS))
"""Credentials recognisable by their form alone (the secrets gate's high-confidence patterns):
masked wherever they appear, whether or not the run was told about them."""
_KEY_LITERALS = tuple(literal for literals, _ in _KEY_FORMS for literal in literals)
_KEY_FORM_PATTERNS = tuple(
    (literals, re.compile(pattern))
    for literals, pattern in _KEY_FORMS
    if "PRIVATE KEY" not in literals
)
"""The key forms but private key blocks, each with the literals one of which it contains."""
_BEFORE_LITERAL = 8
"""Characters a key form's match may start before its literal (``sk_live_``: ``s``)."""
_AFTER_LITERAL = 400
"""Past its literal, a window longer than the shortest match of every key form."""


def may_hold_key(text: str) -> bool:
    """Whether ``text`` may hold a key form or a JWT: a quick test (``in`` is far faster than
    the regular expressions, which then run only on text that has one of their literals)."""
    return "eyJ" in text or any(literal in text for literal in _KEY_LITERALS)


_KEEP = ("digest", "signature", "fingerprint", "sha256", "options_sha256", "data_base64")
"""Fields that are hashes or binary data: never secrets, and must not change."""


def mask(secret: str) -> str:
    """``[REDACTED:abcd…#0123abcd]`` for ``secret`` (never more than 4 characters shown)."""
    shown = secret[: min(4, len(secret) // 4)]
    digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"[REDACTED:{shown}…#{digest}]"


def jwt_role(token: str) -> str | None:
    """The ``role`` claim of a JWT's payload, or ``None`` when it is not a readable JWT."""
    parts = token.split(".")
    if len(parts) < 2:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    role = claims.get("role") if isinstance(claims, dict) else None
    return role if isinstance(role, str) else None


def literal_union(values: Iterable[str]) -> str:
    """A regular expression matching any of ``values``, the longest where several match.

    Built as a trie (``eyJhbGci(?:OiJI…|…)``): the values a run knows are mostly JWTs with a
    long common prefix, and a flat ``a|b|c…`` compared each of 85 of them at every ``eyJ`` of
    a 7 MB report (0.4 s); the trie compares the prefix once. Values nested in each other more
    than :data:`MAX_TRIE_DEPTH` deep (``abcdef``, ``abcdefg``, ``abcdefgh``…) get the flat
    alternation, longest first: the trie's groups would nest as deep, past the recursion limits
    of this function and of ``re``'s compiler."""
    unique = sorted(set(values), key=len, reverse=True)
    root: dict[str, dict[str, Any]] = {}
    for value in unique:
        node = root
        for char in value:
            node = node.setdefault(char, {})
        node[""] = {}  # a value ends here
    if _choice_depth(root) > MAX_TRIE_DEPTH:
        return "|".join(re.escape(v) for v in unique)
    return _trie_pattern(root)


MAX_TRIE_DEPTH = 64
"""Most nested choices (a branch, or a value that ends where longer ones go on) of a trie
pattern."""


def _choice_depth(root: dict[str, dict[str, Any]]) -> int:
    deepest = 0
    stack = [(root, 0)]
    while stack:  # iterative: a 10,000-character value is 10,000 nodes deep
        node, depth = stack.pop()
        here = depth + (len(node) > 1)
        deepest = max(deepest, here)
        stack.extend((child, here) for char, child in node.items() if char)
    return deepest


def _trie_pattern(node: dict[str, dict[str, Any]]) -> str:
    branches = []
    for char, child in node.items():
        if char == "":
            continue
        run = char
        while len(child) == 1 and "" not in child:  # a chain without choices: one literal
            ((next_char, child),) = child.items()
            run += next_char
        branches.append(re.escape(run) + _trie_pattern(child))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # a value ends here and longer ones go on: the greedy ``?`` tries the longer first
    return f"(?:{body})?" if "" in node else body


class Redactor:
    """Replaces known secrets (longest first, in one pass) and service-role keys in text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        values = sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)
        self.values: tuple[str, ...] = tuple(values)
        """The known secret values, longest first."""
        self._pattern = re.compile(literal_union(values)) if values else None
        # A value as it appears inside a JSON string (quotes, backslashes, control characters
        # escaped), for :meth:`may_mask_json`.
        in_json = {json.dumps(v, ensure_ascii=False)[1:-1] for v in values}
        self._json_pattern = re.compile(literal_union([*values, *in_json])) if values else None

    def text(self, value: str) -> str:
        """``value`` with every secret masked."""
        # one search in C: testing each value with ``in`` cost 100 Python steps per string
        # when a run knew 100 secrets (1.3 s of a 12,000-finding report)
        if self._pattern is not None and self._pattern.search(value):
            value = self._pattern.sub(lambda m: mask(m.group(0)), value)
        if not may_hold_key(value):
            return value
        value = KEY_PATTERNS.sub(lambda m: mask(m.group(0)), value)
        return _JWT.sub(_mask_service_role, value)

    def may_mask_json(self, json_text: str) -> bool:
        """Whether :meth:`text` may change any string of the value whose JSON (``ensure_ascii``
        off) is ``json_text``. ``False`` is exact: nothing would be masked. Every form masked
        is made of characters JSON writes as they are, except known values (their escaped
        forms are searched too) and private key blocks (whose newlines JSON escapes: any
        ``PRIVATE KEY`` counts); so a match in a string is a match in the JSON text."""
        if self._json_pattern is not None and self._json_pattern.search(json_text):
            return True
        if "PRIVATE KEY" in json_text:
            return True
        # Each form is tried only where one of its literals occurs (str.find is a fast scan;
        # the alternation of all forms over megabytes was not), in a window that holds any
        # match through that literal. A window's edge may fake a match (``\b``): only ever
        # a "maybe", never a miss.
        for literals, form in _KEY_FORM_PATTERNS:
            for literal in literals:
                at = json_text.find(literal)
                while at != -1:
                    if form.search(json_text, max(0, at - _BEFORE_LITERAL), at + _AFTER_LITERAL):
                        return True
                    at = json_text.find(literal, at + 1)
        at = json_text.find("eyJ")
        while at != -1:
            jwt = _JWT.match(json_text, at)
            if jwt and jwt_role(jwt.group(0)) == "service_role":
                return True
            at = json_text.find("eyJ", at + 1)
        return False

    def matches(self, text: str) -> Iterator[re.Match[str]]:
        """Every match of a known value or a key pattern in ``text`` (they may overlap)."""
        if self._pattern is not None:
            yield from self._pattern.finditer(text)
        if may_hold_key(text):
            yield from KEY_PATTERNS.finditer(text)
            yield from _JWT.finditer(text)

    def bytes(self, data: bytes) -> bytes:
        """``data`` (a log: UTF-8, possibly broken) with every secret masked."""
        text = data.decode("utf-8", "surrogateescape")
        masked = self.text(text)
        return data if masked is text else masked.encode("utf-8", "surrogateescape")

    def value(self, value: Any) -> Any:
        """Any JSON-like value or model dataclass with every string masked."""
        if isinstance(value, Enum):
            return value
        if isinstance(value, str):
            return self.text(value)
        if hasattr(type(value), "__dataclass_fields__") and not isinstance(value, type):
            changes = {}
            for name in field_names(type(value)):
                if name in _KEEP:
                    continue
                old = getattr(value, name)
                new = self.value(old)
                if new is not old:
                    changes[name] = new
            return dataclasses.replace(value, **changes) if changes else value
        if isinstance(value, dict):
            items = [
                (k, self.value(k), v, v if k in _KEEP else self.value(v)) for k, v in value.items()
            ]
            if all(nk is k and nv is v for k, nk, v, nv in items):
                return value
            return {nk: nv for _, nk, _, nv in items}
        if isinstance(value, tuple | list | set | frozenset):
            new_items = [self.value(v) for v in value]
            if all(n is o for n, o in zip(new_items, value, strict=True)):
                return value
            # a set is written as a list (gates.report.codec): masked, it is one
            return tuple(new_items) if isinstance(value, tuple) else new_items
        if value is None or isinstance(value, int | float):
            return value
        # anything else (a Path, a datetime in gate details) the report's codec writes as its
        # text: masked as that text
        shown = str(value)
        masked = self.text(shown)
        return value if masked == shown else masked


def _mask_service_role(match: re.Match[str]) -> str:
    token = match.group(0)
    return mask(token) if jwt_role(token) == "service_role" else token


def redact_report(report: Report, secrets: Iterable[str]) -> Report:
    """``report`` with every secret masked in every string field.

    When anything changed, ``digest`` and ``signature`` are cleared: they covered the old
    content and must be recomputed (``json_report.finalize``) after redaction.
    """
    from gates.report.codec import signed_text

    redactor = Redactor(secrets)
    # Most reports hold nothing to mask: one search over their JSON (C) instead of a walk
    # over every string in Python (a 12,000-finding report: 0.1 s instead of 2 s). The JSON
    # searched is the one the digest covers, then, made once; ``digest`` and ``signature``,
    # left out of it, are never masked (_KEEP).
    if not redactor.may_mask_json(signed_text(report)):
        return report
    redacted = redactor.value(report)
    assert isinstance(redacted, Report)
    if redacted is not report:
        redacted = dataclasses.replace(redacted, digest="", signature=None)
    return redacted


SIGNING_KEY_ENV = "GATES_SIGNING_KEY"
_REFERENCE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")
_SECRET_NAME = re.compile(
    r"TOKEN|SECRET|PASSW|PASSPHRASE|PWD|API_?KEY|ACCESS_?KEY|PRIVATE|CREDENTIAL|AUTH|COOKIE"
    r"|SESSION|SIGNING|BYPASS|WEBHOOK|DSN|SERVICE_?ROLE|(?:^|_)KEY(?:$|_)|(?:^|_)PASS(?:$|_)",
    re.IGNORECASE,
)
_URL_PASSWORD = re.compile(r"://[^/\s:@]+:[^/\s@]+@")


def looks_secret(name: str, value: str) -> bool:
    """Whether an environment variable is a secret by its name or by its value."""
    if len(value) < MIN_SECRET_LENGTH:
        return False
    if _SECRET_NAME.search(name):
        return True
    if KEY_PATTERNS.search(value) or _URL_PASSWORD.search(value):
        return True
    if _JWT.search(value):
        return True
    compact = not any(c.isspace() for c in value) and "/" not in value
    return compact and len(value) >= 20 and _entropy(value) >= 4.0


def _entropy(text: str) -> float:
    counts: dict[str, int] = {}
    for char in text:
        counts[char] = counts.get(char, 0) + 1
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def run_secrets(checklist_text: str, environ: Mapping[str, str]) -> list[str]:
    """Values this run must never show: interpolated variables that look secret, and the
    signing key."""
    found = []
    for name in dict.fromkeys(_REFERENCE.findall(checklist_text)):
        value = environ.get(name)
        if value and looks_secret(name, value):
            found.append(value)
    key = environ.get(SIGNING_KEY_ENV)
    if key:
        found.append(key)
    return found


# --- logs: masked at write time ------------------------------------------------------------

HOLD_CHARS = 1024
"""Output of a line not yet ended is held back this far (plus the longest known secret), so a
secret split over two reads is whole when it is masked."""
MAX_HELD_BYTES = 1 << 20
"""Past this, held output is masked and written as it is (a 1 MiB "token" is no credential)."""
_PEM_BEGIN = re.compile(r"-----BEGIN[ A-Z0-9]{0,30}PRIVATE KEY")
_PEM_END = re.compile(r"-----END[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----")
"""A block's end, whole: ``-----END RSA PRIVATE KEY`` without its dashes has not ended it."""
_PEM_SPAN = 10_100
"""The longest private key block :data:`KEY_PATTERNS` masks."""

_log_secrets: tuple[str, ...] = ()
_log_redactor: Redactor | None = None


def set_log_secrets(secrets: Iterable[str]) -> None:
    """Tell this process which values its logs must never show (the run's known secrets).

    Process-wide on purpose: every log gates writes (a gate's command log, a server's log,
    the rollback log) goes through :func:`log_redactor`, so no caller can forget to pass one.
    The run sets it in its own process and in each gate's worker."""
    global _log_secrets, _log_redactor
    _log_secrets = tuple(dict.fromkeys(secrets))
    _log_redactor = None


def add_log_secrets(secrets: Iterable[str]) -> None:
    """Add values a gate reported as secret; later log writes mask them too."""
    new = [s for s in secrets if s not in _log_secrets]
    if new:
        set_log_secrets([*_log_secrets, *new])


def log_secrets() -> tuple[str, ...]:
    """The values :func:`set_log_secrets` and :func:`add_log_secrets` gave this process."""
    return _log_secrets


def log_redactor() -> Redactor:
    """The redactor of this process's logs (known key patterns even when no secret was set)."""
    global _log_redactor
    if _log_redactor is None:
        _log_redactor = Redactor(_log_secrets)
    return _log_redactor


class MaskingWriter:
    """A byte stream whose every byte passes through a :class:`Redactor` before ``sink`` gets it.

    Complete lines are masked and written at once; the end of a line not yet finished is held
    back (:data:`HOLD_CHARS` plus the longest known secret), and never cut inside anything
    that is or may become a secret (a match of a known value or key pattern, an unfinished
    private key block), so a secret split over two writes is masked as a whole. :meth:`close`
    masks and writes what is left.
    """

    def __init__(self, sink: Callable[[bytes], object], redactor: Redactor | None = None) -> None:
        self._sink = sink
        self._redactor = redactor or log_redactor()
        self._hold = HOLD_CHARS + max((len(v) for v in self._redactor.values), default=0)
        # a known value spanning lines makes a line end no safe place to cut
        self._by_line = not any("\n" in v or "\r" in v for v in self._redactor.values)
        self._held = b""

    def write(self, data: bytes) -> None:
        """Mask and pass on what is safe to pass on now; hold the rest."""
        if not data:
            return
        self._held += data
        text = self._held.decode("utf-8", "surrogateescape")
        cut = self._safe_cut(text)
        if cut > 0:
            self._emit(text[:cut])
            self._held = text[cut:].encode("utf-8", "surrogateescape")

    def close(self) -> None:
        """Mask and pass on everything held."""
        if self._held:
            self._emit(self._held.decode("utf-8", "surrogateescape"))
            self._held = b""

    def _emit(self, text: str) -> None:
        self._sink(self._redactor.text(text).encode("utf-8", "surrogateescape"))

    def _safe_cut(self, text: str) -> int:
        cut = len(text) - self._hold
        if self._by_line:
            cut = max(cut, text.rfind("\n") + 1)
        if cut <= 0:
            return 0
        # Only what starts shortly before the cut can straddle it (a known value is shorter
        # than the hold, a private key block than _PEM_SPAN; a longer token is no credential).
        window = max(0, cut - self._hold - _PEM_SPAN)
        spans = [
            (window + a, window + b)
            for m in self._redactor.matches(text[window:])
            for a, b in [m.span()]
        ]
        # a private key block begun before the cut, not ended yet (after the last END) and not
        # longer than a block can be: the first header of those (an earlier one, a span away
        # and never ended, is no block, and must not hide a real one after it)
        pem_from = max(0, len(text) - _PEM_SPAN + 1)
        for ended in _PEM_END.finditer(text, pem_from):
            pem_from = ended.end()
        begin = _PEM_BEGIN.search(text, pem_from)
        if begin and begin.start() < cut:
            spans.append((begin.start(), len(text) + 1))  # it goes on past the end
        moved = True
        while moved:  # a span straddling the cut moves the cut to its start
            moved = False
            for start, end in spans:
                if start < cut < end:
                    cut, moved = start, True
        if cut <= 0 and len(self._held) > MAX_HELD_BYTES:
            return len(text)
        return cut
