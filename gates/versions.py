"""Version ordering per ecosystem: SemVer 2.0.0 for npm, PEP 440 for PyPI.

Comparing version strings as text is the classic advisory-matching bug (``4.17.9 > 4.17.15``), so
each ecosystem gets its own key. An unparseable version raises :class:`InputError`; the caller
lists that package as not audited instead of guessing.
"""

from __future__ import annotations

import re
from functools import total_ordering
from typing import Any

from gates.errors import InputError

_SEMVER = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$"
)


@total_ordering
class SemVer:
    """A SemVer 2.0.0 version; build metadata is ignored, pre-releases sort before releases."""

    __slots__ = ("core", "pre", "text")

    def __init__(self, text: str) -> None:
        match = _SEMVER.match(text.strip())
        if match is None:
            raise InputError(f"{text!r} is not a semantic version")
        self.text = text
        self.core = (int(match[1]), int(match[2]), int(match[3]))
        self.pre: tuple[tuple[int, int | str], ...] = tuple(
            (0, int(part)) if part.isdigit() else (1, part)
            for part in (match[4].split(".") if match[4] else [])
        )

    def _key(self) -> tuple[Any, ...]:
        # A release (no pre-release) sorts after every pre-release of the same core.
        return (self.core, 0 if self.pre else 1, self.pre)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SemVer) and self._key() == other._key()

    def __lt__(self, other: SemVer) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"SemVer({self.text!r})"


def parse_version(ecosystem: str, text: str) -> Any:
    """A comparable version: ``npm``/``Go`` SemVer, ``PyPI`` PEP 440; bad input → InputError."""
    if ecosystem in ("npm", "Go"):
        return SemVer(text)
    if ecosystem == "PyPI":
        from packaging.version import InvalidVersion, Version

        try:
            return Version(text)
        except InvalidVersion:
            raise InputError(f"{text!r} is not a PEP 440 version") from None
    raise InputError(f"ecosystem {ecosystem!r} is not supported (npm and PyPI are)")


def normalise_name(ecosystem: str, name: str) -> str:
    """PyPI names compare by PEP 503 normalisation; npm names are compared as written."""
    if ecosystem == "PyPI":
        return re.sub(r"[-_.]+", "-", name).lower()
    return name
