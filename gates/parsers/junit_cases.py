"""One failed, errored or flaky JUnit test case as gates reports it: where it failed, its
message and output, cleaned and trimmed (used by :mod:`gates.parsers.junit`).

Where a case's file and line come from: the ``file``/``line`` attributes (pytest xunit1,
PHPUnit), else a ``classname`` that is itself a path (Playwright, Vitest), else a
``path:line[:col]`` in the failure text (Playwright's ``uiComponents.spec.ts:36:10``, pytest's
``tests/test_x.py:12: AssertionError``) in a file that matches the case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element

SNIPPET_CHARS = 2000
"""Longest output snippet kept per failed case (the tail: where the error is)."""
MESSAGE_CHARS = 500
"""Longest message kept per failed case."""

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LOCATION = re.compile(
    r"(?P<path>(?:[A-Za-z]:)?[\w.@+\-\\/ ]*?[\w\-]+\.[A-Za-z][\w]{0,5}):(?P<line>\d+)(?::\d+)?"
)
_PATHLIKE = re.compile(r"[\\/]|\.(?:[cm]?[jt]sx?|py|php|rb|go|java|kt|cs|spec|test)\b")


@dataclass(frozen=True)
class CaseResult:
    """One failed, errored or flaky test case."""

    suite: str
    classname: str
    name: str
    outcome: str
    """``failed``, ``error`` or ``flaky`` (passed after failing attempts)."""
    file: str | None = None
    """As the XML gives it (backslashes turned into ``/``); may be absolute."""
    line: int | None = None
    message: str = ""
    """First line(s) of the failure message, control characters removed."""
    output: str = ""
    """Failure text and captured output (ANSI colours removed), trimmed to head and tail."""
    time: float | None = None
    attempts: int = 1
    """How many times it ran (1 = no rerun)."""

    @property
    def title(self) -> str:
        """``classname::name`` (or just the name when the classname repeats it)."""
        if not self.classname or self.classname.strip() == self.name.strip():
            return self.name.strip()
        return f"{self.classname.strip()}::{self.name.strip()}"


def case_result(
    case: Element,
    suite_name: str,
    outcome: str,
    marker: Element | None,
    children: dict[str, list[Element]],
    attempts: int,
) -> CaseResult:
    classname = case.get("classname") or case.get("class") or ""
    name = case.get("name") or ""
    message = _clean(marker.get("message", "")) if marker is not None else ""
    text = _clean(_text(marker)) if marker is not None else ""
    captured = [
        _clean(_text(el)) for tag in ("system-out", "system-err") for el in children.get(tag, [])
    ]
    if not message:
        skip = {name.strip(), f"{classname}::{name}".strip()}
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        message = next((ln for ln in lines if ln not in skip), lines[0] if lines else "")
    if outcome == "flaky" and not message:
        message = f"passed after {attempts - 1} failed attempt(s)"
    output = "\n".join(part for part in (text, *captured) if part.strip())
    file, line = _where(
        case,
        classname,
        f"{marker.get('message', '') if marker is not None else ''}\n{text}",
        suite_name,
    )
    return CaseResult(
        suite=suite_name,
        classname=classname,
        name=name,
        outcome=outcome,
        file=file,
        line=line,
        message=_trim_message(message),
        output=_tail(output),
        time=parse_float(case.get("time")),
        attempts=attempts,
    )


def _where(
    case: Element, classname: str, text: str, suite_name: str
) -> tuple[str | None, int | None]:
    """The case's source file and line: the innermost frame of the failure text in the test's
    own file (the failing assertion), else the ``line`` attribute (the test's definition)."""
    file = case.get("file")
    line = parse_int(case.get("line"))
    if line is not None and suite_name == "pytest":
        line += 1  # pytest writes item.location's 0-based line number
    if not file and _PATHLIKE.search(classname) and " " not in classname.strip():
        file = classname.strip()
    if file:
        file = file.replace("\\", "/")
    candidates = [
        (m.group("path").strip().replace("\\", "/"), int(m.group("line")))
        for m in _LOCATION.finditer(text)
    ]
    if file:
        base = file.rsplit("/", 1)[-1]
        for path, number in reversed(candidates):
            if path.rsplit("/", 1)[-1] == base:
                return file, number
        return file, line
    # pytest-style dotted classname (tests.test_mod.TestClass): the innermost frame in a file
    # whose stem is one of the classname's parts is the failing line of the test itself.
    parts = set(classname.split("."))
    for path, number in reversed(candidates):
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if stem in parts:
            return path, number
    return None, None


def _text(element: Element | None) -> str:
    if element is None:
        return ""
    return "".join(element.itertext())


def _clean(text: str) -> str:
    return _CONTROL.sub("", _ANSI.sub("", text)).replace("\r\n", "\n")


def _trim_message(message: str) -> str:
    message = message.strip()
    return message if len(message) <= MESSAGE_CHARS else message[: MESSAGE_CHARS - 1] + "…"


def _tail(text: str) -> str:
    """The text, or its head (the error) and tail (where it ended) when it is long."""
    text = text.strip("\n")
    if len(text) <= SNIPPET_CHARS:
        return text
    head = SNIPPET_CHARS * 3 // 5
    return text[:head] + "\n…\n" + text[-(SNIPPET_CHARS - head - 3) :]


def parse_int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except (ValueError, OverflowError):
        return None


def parse_float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return float(value.replace(",", "").strip())
    except ValueError:
        return None
