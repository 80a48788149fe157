from pathlib import Path

import pytest

from service.pricing import QuoteError, load_catalogue, quote

CATALOGUE = load_catalogue(Path(__file__).resolve().parent.parent / "config.yml")


def test_no_discount_below_the_first_threshold() -> None:
    assert quote(CATALOGUE, "pen", 3)["total"] == 360


@pytest.mark.parametrize(("quantity", "percent"), [(10, 5), (49, 5), (50, 12), (200, 12)])
def test_best_discount_applies(quantity: int, percent: int) -> None:
    result = quote(CATALOGUE, "notebook", quantity)
    assert result["discount_percent"] == percent
    assert result["total"] == 450 * quantity - 450 * quantity * percent // 100


def test_unknown_product() -> None:
    with pytest.raises(QuoteError, match="unknown product"):
        quote(CATALOGUE, "lamp", 1)


@pytest.mark.parametrize("quantity", [0, -1, 10_001])
def test_quantity_bounds(quantity: int) -> None:
    with pytest.raises(QuoteError, match="quantity"):
        quote(CATALOGUE, "pen", quantity)
