"""What every migrations worker needs, made once in the forkserver before workers fork.

``gates.run.server`` preloads ``gates.checks.<type>.warm`` for each gate type of the checklist
(a type without one is skipped): the gate's own module stays cheap for ``gates validate`` and
the run's process, while a worker starts with pglast imported and the parser's node
``__init__``s generated (about 100 ms a migrations worker otherwise paid after its fork).
"""

from __future__ import annotations

from contextlib import suppress

# Only a head start: whatever fails here fails again in the gate's evaluate, where it is the
# gate's error. Raised here (anything but ImportError), it would stop the forkserver and with
# it every gate of the run.
with suppress(Exception):
    from gates.checks.migrations import inventory, lint, report, sqlsource  # noqa: F401

    sqlsource.warm()
