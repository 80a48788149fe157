import json
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest

from service.app import make_server
from service.pricing import load_catalogue


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    catalogue = load_catalogue(Path(__file__).resolve().parent.parent / "config.yml")
    server = make_server("127.0.0.1", 0, catalogue)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def get(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urlopen(url, timeout=10) as response:  # noqa: S310 - a local test server
            return response.status, json.loads(response.read())
    except HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_health(base_url: str) -> None:
    assert get(f"{base_url}/health") == (200, {"status": "ok"})


def test_quote(base_url: str) -> None:
    status, body = get(f"{base_url}/quote?product=backpack&quantity=10")
    assert status == 200 and body["total"] == 39000 - 1950


@pytest.mark.parametrize("query", ["product=lamp", "product=pen&quantity=zero", "product=pen&quantity=0"])
def test_bad_requests(base_url: str, query: str) -> None:
    status, body = get(f"{base_url}/quote?{query}")
    assert status == 400 and body["error"]


def test_unknown_path(base_url: str) -> None:
    assert get(f"{base_url}/nope")[0] == 404
