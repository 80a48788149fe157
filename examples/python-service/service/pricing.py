"""Quotes: unit price × quantity, minus the best volume discount that applies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


class QuoteError(ValueError):
    """A request that cannot be quoted (unknown product, bad quantity)."""


@dataclass(frozen=True)
class Catalogue:
    currency: str
    products: dict[str, int]
    discounts: tuple[tuple[int, int], ...]  # (from quantity, percent), ascending


def load_catalogue(path: Path) -> Catalogue:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    discounts = sorted((int(d["from"]), int(d["percent"])) for d in data.get("discounts", []))
    return Catalogue(
        currency=str(data["currency"]),
        products={str(k): int(v) for k, v in data["products"].items()},
        discounts=tuple(discounts),
    )


def quote(catalogue: Catalogue, product: str, quantity: int) -> dict[str, object]:
    if product not in catalogue.products:
        raise QuoteError(f"unknown product {product!r}")
    if quantity < 1 or quantity > 10_000:
        raise QuoteError("quantity must be between 1 and 10000")
    gross = catalogue.products[product] * quantity
    percent = 0
    for threshold, discount in catalogue.discounts:
        if quantity >= threshold:
            percent = discount
    net = gross - gross * percent // 100
    return {
        "product": product,
        "quantity": quantity,
        "currency": catalogue.currency,
        "gross": gross,
        "discount_percent": percent,
        "total": net,
    }
