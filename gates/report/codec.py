"""``gate-report.json`` (schema ``gates-report/1``): encode, decode, digest and sign a Report.

The field names are the contract of docs/reports.md; enums are written as their
strings, a finding's location as ``{"path", "line", "column"}`` (or ``null``).

Integrity: ``digest`` is ``"sha256:" + sha256(canonical_json(dict without digest and
signature))`` and ``signature`` is the HMAC-SHA256 (hex) of the same bytes under
``GATES_SIGNING_KEY``. Canonical JSON is sorted keys, no spaces, ``ensure_ascii=False``, UTF-8,
so any tool can recompute it. Decoding is strict and keeps numbers exactly as written (``80``
stays an int), so ``to_dict(from_dict(d)) == d`` and a loaded report's digest still matches.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import math
import types
import typing
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar, Union

from gates.errors import InputError, ReportError
from gates.io.safe import read_json
from gates.model import Report, field_names

SCHEMA = "gates-report/1"
UNSIGNED_FIELDS = ("digest", "signature")
"""Fields left out of the bytes that are digested and signed."""

T = TypeVar("T")


def to_dict(report: Report) -> dict[str, Any]:
    """The report as JSON-safe data (contract field names; enums as strings)."""
    encoded = _encode(report)
    assert isinstance(encoded, dict)
    return encoded


_DICT = "_gates_dict"


def report_dict(report: Report) -> dict[str, Any]:
    """:func:`to_dict` of ``report``, encoded once per report object and kept on it: redaction,
    the digest and the JSON writer each need it (0.4 s apiece for 12,000 findings). The
    report is frozen, so the encoding stays right; the result is shared: read it, never
    change it."""
    cached = report.__dict__.get(_DICT)
    if isinstance(cached, dict):
        return cached
    encoded = to_dict(report)
    object.__setattr__(report, _DICT, encoded)
    return encoded


_SCALARS = frozenset({str, int, bool, type(None)})
_Encoder = Callable[[Any], Any]
_BY_TYPE: dict[type, _Encoder] = {}
"""How values of each type met so far are encoded: the type is looked up once per value
instead of tried against each kind (12,000 findings hold 230,000 values)."""


def _encode(value: Any) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    encoder = _BY_TYPE.get(kind)
    if encoder is None:
        encoder = _BY_TYPE[kind] = _encoder_for(kind)
    return encoder(value)


def _encoder_for(kind: type) -> _Encoder:
    if hasattr(kind, "__dataclass_fields__"):
        names = field_names(kind)
        # scalars inline: a call per field was most of the encoding of a finding
        return lambda obj: {
            name: value if type(value := getattr(obj, name)) in _SCALARS else _encode(value)
            for name in names
        }
    if issubclass(kind, Enum):
        return lambda member: _encode(member.value)
    if issubclass(kind, dict):
        return lambda mapping: {
            str(key): value if type(value) in _SCALARS else _encode(value)
            for key, value in mapping.items()
        }
    if issubclass(kind, list | tuple | set | frozenset):
        return lambda items: [item if type(item) in _SCALARS else _encode(item) for item in items]
    if issubclass(kind, float):
        # NaN/Infinity are not JSON; "nothing measured" is the honest encoding
        return lambda number: number if math.isfinite(number) else None
    if issubclass(kind, str | int):  # a subclass of a JSON scalar: written as that scalar
        return lambda scalar: scalar
    return str  # Path, datetime... in gate details: shown as text


def from_dict(data: Any) -> Report:
    """Decode a report; an unknown schema, a missing or unknown field or a wrong type →
    :class:`ReportError` naming the field."""
    if not isinstance(data, dict):
        raise ReportError("not a gates report: the top level is not a JSON object")
    schema = data.get("schema")
    if schema != SCHEMA:
        raise ReportError(f"unknown report schema {schema!r} (this gates reads {SCHEMA!r})")
    report = _decode_dataclass(Report, data, "report")
    # The digest and signature cover the content AS WRITTEN. A report written before a field
    # was added (its default filled in here) re-encodes with that field, so re-encoding would
    # change its digest: remember the bytes it was decoded from. A changed report is a new
    # object (frozen; dataclasses.replace) without them, and is digested afresh.
    object.__setattr__(report, _SOURCE_BYTES, _signed_bytes(data))
    return report


def _decode_dataclass(cls: type[T], data: Any, where: str) -> T:
    if not isinstance(data, dict):
        raise ReportError(f"{where}: expected an object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ReportError(f"{where}: unknown field(s) {', '.join(unknown)}")
    kwargs: dict[str, Any] = {}
    for name, spec in fields.items():
        if name not in data:
            no_default = spec.default is dataclasses.MISSING
            if no_default and spec.default_factory is dataclasses.MISSING:
                raise ReportError(f"{where}: missing field {name!r}")
            continue
        kwargs[name] = _decode(hints[name], data[name], f"{where}.{name}")
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:  # pragma: no cover - guarded above
        raise ReportError(f"{where}: {exc}") from None


def _decode(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _decode(option, value, where)
            except ReportError as exc:
                errors.append(str(exc))
        raise ReportError(errors[0] if errors else f"{where}: unexpected null")
    if hint is Any:
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise ReportError(f"{where}: expected a list")
        item = typing.get_args(hint)[0]
        return tuple(_decode(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ReportError(f"{where}: expected an object")
        value_hint = typing.get_args(hint)[1]
        return {k: _decode(value_hint, v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except ValueError:
            raise ReportError(f"{where}: {value!r} is not a valid {hint.__name__}") from None
    if dataclasses.is_dataclass(hint):
        return _decode_dataclass(hint, value, where)  # type: ignore[arg-type]
    return _decode_scalar(hint, value, where)


def _decode_scalar(hint: Any, value: Any, where: str) -> Any:
    if hint is bool:
        ok = isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif hint is str:
        ok = isinstance(value, str)
    else:  # pragma: no cover - the model uses only the types above
        raise ReportError(f"{where}: cannot decode type {hint!r}")
    if not ok:
        raise ReportError(f"{where}: expected {hint.__name__}, got {type(value).__name__}")
    return value  # numbers kept exactly as written: 80 stays 80 (digest stability)


def canonical_json(data: Any) -> bytes:
    """Sorted keys, no spaces, non-ASCII as is, UTF-8: the bytes that are digested and signed."""
    return _canonical_text(data).encode("utf-8")


def _canonical_text(data: Any) -> str:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


_SOURCE_BYTES = "_gates_signed_source"


_SIGNED_TEXT = "_gates_signed_text"


def signed_text(report: Report) -> str:
    """The canonical JSON of ``report`` without ``digest`` and ``signature``, as text: what
    is digested and signed once encoded. Made once per report object and kept on it, like
    :func:`report_dict`: redaction searches it for anything to mask, and when nothing is,
    the digest covers the same text (each encoding of 12,000 findings is 0.1 s)."""
    cached = report.__dict__.get(_SIGNED_TEXT)
    if isinstance(cached, str):
        return cached
    data = {k: v for k, v in report_dict(report).items() if k not in UNSIGNED_FIELDS}
    text = _canonical_text(data)
    object.__setattr__(report, _SIGNED_TEXT, text)
    return text


def _signed_bytes(report: Report | dict[str, Any]) -> bytes:
    if isinstance(report, Report):
        source = report.__dict__.get(_SOURCE_BYTES)
        if isinstance(source, bytes):
            return source
        return signed_text(report).encode("utf-8")
    data = {k: v for k, v in report.items() if k not in UNSIGNED_FIELDS}
    return canonical_json(data)


def compute_digest(report: Report | dict[str, Any]) -> str:
    """``sha256:<hex>`` of the canonical JSON without ``digest`` and ``signature``."""
    return _digest_of(_signed_bytes(report))


def sign(report: Report | dict[str, Any], key: bytes) -> str:
    """HMAC-SHA256 (hex) of the same canonical bytes the digest covers."""
    return _hmac_of(key, _signed_bytes(report))


def _digest_of(signed: bytes) -> str:
    return "sha256:" + hashlib.sha256(signed).hexdigest()


def _hmac_of(key: bytes, signed: bytes) -> str:
    return hmac.new(key, signed, hashlib.sha256).hexdigest()


def verify_signature(report: Report, key: bytes) -> bool:
    """True when ``report.signature`` is this key's HMAC of its content (constant time)."""
    if not report.signature:
        return False
    return hmac.compare_digest(report.signature, sign(report, key))


def finalize(report: Report, signing_key: bytes | None) -> Report:
    """The report with ``digest`` set, and ``signature`` when a key is given (else ``None``)."""
    signed = _signed_bytes(report)  # once: the digest and the signature cover the same bytes
    signature = _hmac_of(signing_key, signed) if signing_key else None
    digest = _digest_of(signed)
    final = dataclasses.replace(report, digest=digest, signature=signature)
    if isinstance(cached := report.__dict__.get(_DICT), dict):
        # the same encoding with the two new values (in their places): no second encode
        object.__setattr__(final, _DICT, {**cached, "digest": digest, "signature": signature})
    if isinstance(text := report.__dict__.get(_SIGNED_TEXT), str):
        object.__setattr__(final, _SIGNED_TEXT, text)  # it leaves out the two new values
    return final


def load(path: Path) -> Report:
    """Read and decode a saved ``gate-report.json``; every problem is a :class:`ReportError`."""
    try:
        data = read_json(Path(path))
    except InputError as exc:
        raise ReportError(str(exc)) from None
    try:
        return from_dict(data)
    except ReportError as exc:
        raise ReportError(f"{path}: {exc}") from None
