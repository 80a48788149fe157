"""gates: a quality gate and release checker."""

import sys
import types

__version__ = "0.1.0"


def _no_pydantic_plugins() -> tuple[()]:
    return ()


# pydantic looks for plugins (entry points of the group "pydantic") when it builds its first
# validator, and importing its loader imports importlib.metadata with email and zipfile: 30-50 ms
# of every `gates validate` and every run, for plugins gates never uses (they instrument a
# library's validation; gates is a command). This stands in for the loader before pydantic is
# imported, in gates' own process and the workers forked from it only: commands gates runs are
# new processes and load their plugins as always. Should pydantic move its loader, this is
# simply unused (tests/cli/test_startup.py notices).
_loader = types.ModuleType("pydantic.plugin._loader")
_loader.get_plugins = _no_pydantic_plugins  # type: ignore[attr-defined]
sys.modules.setdefault("pydantic.plugin._loader", _loader)
