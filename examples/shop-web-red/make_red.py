"""Make a copy of examples/shop-web with real defects, for `nox -s demo-red`.

    python examples/shop-web-red/make_red.py SRC DEST

Each defect is one a team ships by accident, and each is caught by a different gate:

1. a failing test: `cartTotal` drops the last unit of every line (tests gate; the coverage gate,
   which needs it, is skipped: `--fixed-test` leaves this one out so coverage is judged);
2. a coverage drop against the green baseline: a discount module without tests (coverage gate,
   `max_drop`);
3. a bundle over budget: the home page imports a 1.2 MB promotions table (bundle gate);
4. an expired waiver: a waiver whose `expires` date has passed no longer hides its finding;
5. a `PUBLIC_` service_role key: the Supabase admin key in a variable the browser bundle gets
   (config and secrets gates).
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

# A JWT in the shape of a hosted project's service_role key (iss supabase, a project ref); it was
# never issued by anyone: the signature is a hash of this file's purpose, not a real key.
SERVICE_ROLE_JWT = ".".join(
    base64.urlsafe_b64encode(part).decode().rstrip("=")
    for part in (
        b'{"alg":"HS256","typ":"JWT"}',
        b'{"iss":"supabase","ref":"qzkvtrnbxwcdplmhsoay","role":"service_role",'
        b'"iat":1735689600,"exp":2051222400}',
        hashlib.sha256(b"gates demo-red: not a real key").digest(),
    )
)


_WORDS = (
    "green black white oolong jasmine mint ginger lemon honey chai matcha sencha rooibos earl "
    "grey breakfast smoky spring summer autumn winter leaf bud flower root bark fruit sweet "
    "bright deep mellow rich light bold fresh calm warm cool golden silver ruby amber jade"
).split()


def _promotions(size: int) -> str:
    """A deterministic table of promotion texts, as a pasted-in catalogue would be: words
    chosen by a hash chain, so it compresses about as badly as real prose (not secret-like)."""
    words: list[str] = []
    block, length = b"shop-web", 0
    while length < size:
        block = hashlib.sha256(block).digest()
        for byte in block:
            word = _WORDS[byte % len(_WORDS)]
            words.append(word)
            length += len(word) + 1
    return " ".join(words)[:size]


def make_red(src: Path, dest: Path, *, failing_test: bool = True) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    top_level = {"node_modules", ".svelte-kit", "coverage", "reports", "build", ".git"}

    def ignore(folder: str, names: list[str]) -> set[str]:
        return top_level & set(names) if Path(folder) == src else set()

    shutil.copytree(src, dest, ignore=ignore)
    (dest / "node_modules").symlink_to((src / "node_modules").resolve())
    lib = dest / "src" / "lib"
    # 1. failing test
    cart = lib / "cart.js"
    cart.write_text(
        cart.read_text()
        if not failing_test
        else cart.read_text().replace(
            "sum + line.cents * line.qty", "sum + line.cents * (line.qty - 1)"
        )
    )
    # 2. coverage drop: untested code
    (lib / "discounts.js").write_text(
        "/** Volume and loyalty discounts, in cents. */\n"
        "export function discount(totalCents, { loyal = false, coupon = '' } = {}) {\n"
        "\tlet off = 0;\n"
        "\tif (totalCents >= 10000) off += Math.round(totalCents * 0.1);\n"
        "\telse if (totalCents >= 5000) off += Math.round(totalCents * 0.05);\n"
        "\tif (loyal) off += 200;\n"
        "\tif (coupon === 'TEA10') off += Math.round(totalCents * 0.1);\n"
        "\telse if (coupon.startsWith('STAFF-')) off += Math.round(totalCents * 0.3);\n"
        "\tif (off > totalCents) off = totalCents;\n"
        "\treturn off;\n"
        "}\n"
        "export function describe(off) {\n"
        "\tif (off === 0) return 'no discount';\n"
        "\tif (off < 500) return 'a small discount';\n"
        "\treturn `you save ${(off / 100).toFixed(2)}`;\n"
        "}\n"
    )
    # 3. bundle over budget: a large table imported by the home page
    (lib / "promotions.js").write_text(f"export const PROMOTIONS = {_promotions(1_200_000)!r};\n")
    page = dest / "src" / "routes" / "+page.svelte"
    page.write_text(
        page.read_text()
        .replace(
            "<script>\n",
            "<script>\n\timport { PROMOTIONS } from '$lib/promotions.js';\n"
            "\timport { discount, describe } from '$lib/discounts.js';\n",
            1,
        )
        .replace(
            "<h1>Tea shop</h1>",
            "<h1>Tea shop</h1>\n<p hidden>{PROMOTIONS.length} {describe(discount(0))}</p>",
            1,
        )
    )
    # 5. the service_role key under the PUBLIC_ prefix
    env = dest / ".env.example"
    env.write_text(
        env.read_text() + "# 'the admin dashboard needs it in the browser'\n"
        f"PUBLIC_SUPABASE_SERVICE_ROLE_KEY={SERVICE_ROLE_JWT}\n"
    )
    # 4. an expired waiver: it matches the failing test but hides it no more (a PUBLIC_
    #    service_role key cannot be waived at all: gates validate refuses such a waiver)
    checklist = dest / "checklist.yml"
    checklist.write_text(
        checklist.read_text()
        + "\n# demo-red: a waiver past its date hides nothing any more\n"
        + ("" if "\nwaivers:" in checklist.read_text() else "waivers:\n")
        + "  - {gate: tests, match: test-failed, reason: discount rules being rewritten,"
        " owner: lead@example.com, expires: 2025-06-30}\n"
    )

    # a repository of its own, as a team's is: the secrets gate scans tracked files
    git = ["git", "-C", str(dest), "-c", "user.name=demo", "-c", "user.email=demo@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    (dest / ".git" / "info" / "exclude").write_text("node_modules\n")  # the symlink too
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "shop-web with defects"], check=True)


if __name__ == "__main__":
    # --fixed-test: the same defects but the cart bug fixed, so coverage (which needs a passing
    # tests gate) is judged and its drop against the baseline shows
    make_red(Path(sys.argv[1]), Path(sys.argv[2]), failing_test="--fixed-test" not in sys.argv[3:])
