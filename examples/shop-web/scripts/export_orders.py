"""Export paid orders to CSV for the accountant (run by hand; no web exposure).

Kept small and clean on purpose: the example's `sast` gate runs bandit on scripts/.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path


def export(orders_json: Path, out_csv: Path) -> int:
    """Write the paid orders of a JSON dump as CSV; return how many rows were written."""
    orders = json.loads(orders_json.read_text(encoding="utf-8"))
    paid = [o for o in orders if o.get("status") == "paid"]
    with out_csv.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "profile_id", "total_cents", "created_at"])
        writer.writeheader()
        for order in paid:
            writer.writerow({key: order.get(key, "") for key in writer.fieldnames})
    return len(paid)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: export_orders.py ORDERS.json OUT.csv")
    count = export(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{count} paid orders written")
