"""Every service's API documentation works offline: /docs and /redoc load nothing from another host."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from debtflow.common.services import service_names
from debtflow.common.web import create_app
from support.harness import service_definition

#: What each kind of asset a page refers to must be served as.
CONTENT_TYPES = {"script": ("text/javascript", "application/javascript"), "stylesheet": ("text/css",),
                 "icon": ("image/",)}


class _AssetReferences(HTMLParser):
    """The URLs a page makes the browser load: scripts, stylesheets, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, str]] = []  # (kind, url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.assets.append(("script", str(attributes["src"])))
        elif tag == "link" and attributes.get("href"):
            relation = str(attributes.get("rel", ""))
            kind = "stylesheet" if "stylesheet" in relation else "icon"
            self.assets.append((kind, str(attributes["href"])))
        elif tag == "img" and attributes.get("src"):
            self.assets.append(("icon", str(attributes["src"])))


def _assets(page: str) -> list[tuple[str, str]]:
    parser = _AssetReferences()
    parser.feed(page)
    return parser.assets


def _client(service: str, tmp_path: Path, root_path: str = "") -> httpx.AsyncClient:
    # The docs need no database or broker, so the app runs without its lifespan.
    app = create_app(service_definition(service, f"sqlite+aiosqlite:///{tmp_path / 'docs.db'}"))
    transport = httpx.ASGITransport(app=app, root_path=root_path)
    return httpx.AsyncClient(transport=transport, base_url=f"http://{service}.test")


@pytest.fixture(params=service_names())
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(str(request.param), tmp_path) as service_client:
        yield service_client


async def _assert_offline_page(client: httpx.AsyncClient, path: str, *, needs: set[str]) -> None:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert not re.search(r"https?://", page.text), f"{path} refers to another host:\n{page.text}"
    assets = _assets(page.text)
    assert needs <= {kind for kind, _ in assets}, assets
    for kind, url in assets:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/"), f"{path}: {url} is not local"
        asset = await client.get(url)
        assert asset.status_code == 200, f"{path}: {url} answered {asset.status_code}"
        content_type = asset.headers["content-type"]
        assert content_type.startswith(CONTENT_TYPES[kind]), (url, content_type)
        assert asset.content, f"{url} is empty"


async def test_swagger_ui_loads_only_local_assets(client: httpx.AsyncClient) -> None:
    await _assert_offline_page(client, "/docs", needs={"script", "stylesheet"})


async def test_redoc_loads_only_local_assets(client: httpx.AsyncClient) -> None:
    await _assert_offline_page(client, "/redoc", needs={"script"})


async def test_the_swagger_oauth2_redirect_page_is_served(client: httpx.AsyncClient) -> None:
    await _assert_offline_page(client, "/docs/oauth2-redirect", needs=set())


async def test_the_openapi_document_is_still_served_without_the_doc_pages(client: httpx.AsyncClient) -> None:
    reply = await client.get("/openapi.json")
    assert reply.status_code == 200, reply.text
    document = reply.json()
    assert document["openapi"].startswith("3.")
    assert "ProblemDetails" in document["components"]["schemas"]
    assert not any(path.startswith(("/docs", "/redoc")) for path in document["paths"])


async def test_an_unknown_asset_is_a_404_problem(client: httpx.AsyncClient) -> None:
    reply = await client.get("/docs/assets/no-such-file.js")
    assert reply.status_code == 404
    assert reply.headers["content-type"].startswith("application/problem+json")


async def test_behind_a_proxy_prefix_the_pages_refer_to_prefixed_assets(tmp_path: Path) -> None:
    async with _client("credit", tmp_path, root_path="/credit") as prefixed:
        page = await prefixed.get("/docs")
    urls = [url for _, url in _assets(page.text)]
    assert urls and all(url.startswith("/credit/docs/assets/") for url in urls), urls
    assert "'/credit/openapi.json'" in page.text
