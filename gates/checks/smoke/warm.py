"""What every smoke worker imports, once in the forkserver before workers fork.

:mod:`gates.web.fetch` imports the standard library's HTTP client (http.client, ssl, socket)
where a request is made, so that loading a checklist skips it (see
:mod:`gates.checks.migrations.warm` for the mechanism).
"""

from __future__ import annotations

from contextlib import suppress

# Only a head start: a failure here meets the gate's evaluate again, where it is the gate's
# error; raised here it would stop the forkserver and every gate of the run with it.
with suppress(Exception):
    import http.client  # noqa: F401
    import socket  # noqa: F401
    import ssl  # noqa: F401
