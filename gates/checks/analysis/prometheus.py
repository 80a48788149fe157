"""One instant query against the Prometheus HTTP API (``GET /api/v1/query``).

A sample is a single finite number: a ``scalar`` result, or a ``vector`` of exactly one series.
Anything else (an unreachable server, an HTTP error, ``status: error``, an empty vector, several
series, NaN or ±Inf) is an errored sample with the reason, never a value.
"""

from __future__ import annotations

import json
import math
from urllib.parse import urlencode

from gates.web.fetch import FetchError, fetch


def instant(base_url: str, query: str, timeout: float) -> tuple[float | None, str]:
    """``(value, "")`` or ``(None, why it is not a value)``."""
    url = base_url.rstrip("/") + "/api/v1/query?" + urlencode({"query": query})
    try:
        resp = fetch(url, timeout=timeout, follow=False)
    except FetchError as exc:
        return None, f"prometheus unreachable: {exc}"
    try:
        data = json.loads(resp.body)
    except (ValueError, UnicodeDecodeError):
        return None, f"prometheus answered HTTP {resp.status} with a body that is not JSON"
    if not isinstance(data, dict) or data.get("status") != "success":
        error = data.get("error") if isinstance(data, dict) else None
        return None, f"prometheus query failed (HTTP {resp.status}): {error or 'no status'}"
    result = data.get("data", {})
    kind, items = result.get("resultType"), result.get("result")
    if kind == "scalar" and isinstance(items, list) and len(items) == 2:
        raw = items[1]
    elif kind == "vector" and isinstance(items, list):
        if not items:
            return None, "empty result (no series matched)"
        if len(items) > 1:
            return None, f"{len(items)} series: aggregate the query to one (sum, max…)"
        value = items[0].get("value") if isinstance(items[0], dict) else None
        if not (isinstance(value, list) and len(value) == 2):
            return None, "malformed vector sample"
        raw = value[1]
    else:
        return None, f"unsupported result type {kind!r} (want scalar or one-series vector)"
    try:
        number = float(raw)
    except (TypeError, ValueError):
        return None, f"not a number: {raw!r}"
    if not math.isfinite(number):
        return None, f"{raw}: not a finite value"
    return number, ""
