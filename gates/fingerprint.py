"""Stable finding fingerprints: the same problem keeps its fingerprint when lines shift.

A fingerprint hashes the rule, the path and a normalised snippet (the offending code with
whitespace collapsed) or, lacking a snippet, a caller-given key. Line numbers are never part of it.
"""

from __future__ import annotations

import hashlib
import re

_SPACE = re.compile(r"\s+")


def fingerprint(rule: str, path: str = "", snippet: str = "", *extra: str) -> str:
    """``sha256`` prefix (16 hex digits) of rule, path, normalised snippet and extra keys."""
    normal = _SPACE.sub(" ", snippet).strip()
    material = "\x1f".join([rule, path.replace("\\", "/"), normal, *extra])
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:16]
