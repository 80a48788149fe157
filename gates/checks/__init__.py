"""The registry of gate types: checklist ``type:`` → :class:`~gates.checks.base.Check`.

Explicit on purpose (one line per gate type, sorted): a newcomer finds every gate here, and a
gate module imports only light things at import time (heavy libraries load inside ``evaluate``).
"""

from __future__ import annotations

from typing import Any

from gates.checks import (
    bundle,
    command,
    config,
    coverage,
    dependencies,
    headers,
    lighthouse,
    migrations,
    sast,
    secrets,
    smoke,
    tests,
)
from gates.checks.base import Check

CHECKS: dict[str, Check[Any]] = {
    check.type: check
    for check in (
        bundle.CHECK,
        command.CHECK,
        config.CHECK,
        coverage.CHECK,
        dependencies.CHECK,
        headers.CHECK,
        lighthouse.CHECK,
        migrations.CHECK,
        sast.CHECK,
        secrets.CHECK,
        smoke.CHECK,
        tests.CHECK,
    )
}
