"""What every coverage worker imports, once in the forkserver before workers fork.

The gate's ``__init__`` imports its report readers and git in ``evaluate`` so that loading a
checklist skips them (see :mod:`gates.checks.migrations.warm` for the mechanism).
"""

from __future__ import annotations

from contextlib import suppress

# Only a head start: a failure here meets the gate's evaluate again, where it is the gate's
# error; raised here it would stop the forkserver and every gate of the run with it.
with suppress(Exception):
    from gates.checks.coverage import changed, reports  # noqa: F401
    from gates.io import git  # noqa: F401
