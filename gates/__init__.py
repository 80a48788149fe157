"""gates: a quality gate and release checker."""

__version__ = "0.1.0"
