"""What every bundle worker imports, once in the forkserver before workers fork.

The gate's ``__init__`` imports its measuring, selecting and judging modules in ``evaluate`` so
that loading a checklist skips them (see :mod:`gates.checks.migrations.warm` for the mechanism).
"""

from __future__ import annotations

from contextlib import suppress

# Only a head start: a failure here meets the gate's evaluate again, where it is the gate's
# error; raised here it would stop the forkserver and every gate of the run with it.
with suppress(Exception):
    from gates.checks.bundle import judge, report, select, sizes  # noqa: F401
