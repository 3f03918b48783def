"""The docs page (/api/docs) works offline: every asset it loads is served by the service itself, from
the vendored, pinned swagger-ui-dist (server/static/vendor, refreshed by scripts/vendor)."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from conftest import ROOT

VENDOR = ROOT / "server" / "static" / "vendor"


class _References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def test_the_docs_page_loads_every_asset_from_the_service_itself(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    parser = _References()
    parser.feed(html)
    assert len(parser.urls) >= 3  # the stylesheet and the two scripts
    base = "http://localhost/api/docs"
    for url in parser.urls:
        absolute = urljoin(base, url)
        assert urlsplit(absolute).netloc == "localhost", f"{url} is off-host"
        asset = client.get(urlsplit(absolute).path)
        assert asset.status_code == 200, url
        assert len(asset.get_data()) > 1000, url
        # The URL names the package's version, so the file never changes under it.
        assert asset.headers["Cache-Control"].replace(" ", "").split(",").count("immutable") == 1
        assert "max-age=31536000" in asset.headers["Cache-Control"]
        assert asset.headers.get("ETag")
        asset.close()
    # Nothing else on the page points elsewhere (no CDN, no validator badge).
    assert not [u for u in re.findall(r"https?://[^\s\"'<>]+", html) if urlsplit(u).netloc != "localhost"]
    assert '"validatorUrl": null' in html


def test_the_spec_the_page_loads_is_the_services_own(client):
    html = client.get("/api/docs").get_data(as_text=True)
    spec_url = re.search(r'url: "([^"]+)"', html).group(1)
    assert urlsplit(spec_url).netloc in ("", "localhost")
    assert client.get(urlsplit(spec_url).path).status_code == 200


def test_only_vendored_files_are_served(client):
    manifest = client.get("/static/vendor/manifest.txt")
    assert manifest.status_code == 200
    manifest.close()
    assert client.get("/static/vendor/../__init__.py").status_code == 404
    assert client.get("/static/vendor/%2e%2e/config.py").status_code == 404


def test_every_vendored_package_has_its_licence_and_source_pinned():
    lines = [line.split() for line in (VENDOR / "manifest.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines
    for spec, *files in lines:
        package, _, version = spec.rpartition("@")
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{spec}: pin an exact version"
        folder = VENDOR / spec
        assert (folder / "LICENSE").is_file(), f"{spec} has no LICENSE"
        assert f"{package}@{version}" in (folder / "SOURCE").read_text()
        for file in files:
            assert (folder / file).is_file(), f"{spec}: {file} missing; run scripts/vendor"
    # No stale versions left behind.
    assert sorted(p.name for p in VENDOR.iterdir() if p.is_dir()) == sorted(spec for spec, *_ in lines)


def test_the_vendor_script_is_executable():
    assert Path(ROOT / "scripts" / "vendor").stat().st_mode & 0o111
