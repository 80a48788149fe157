"""A price-quote service: ``GET /health`` and ``GET /quote?product=…&quantity=…``."""
