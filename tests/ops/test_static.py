"""Every image and font the stylesheet refers to is there, in development and after
collectstatic in production (`make serve`)."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
APP_CSS = STATIC / "build" / "app.css"
URL = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)""")


def references(css: str) -> set[str]:
    """The url(...)s of a stylesheet that name a file (not data: URIs), without any
    query or fragment."""
    found = {re.split(r"[?#]", url, maxsplit=1)[0] for url in URL.findall(css)}
    return {url for url in found if not url.startswith("data:")}


def compiled_css() -> str:
    assert APP_CSS.is_file(), f"{APP_CSS} is missing: run `make assets` first"
    return APP_CSS.read_text()


def test_every_url_in_the_stylesheet_is_a_file_under_static():
    urls = references(compiled_css())
    assert urls, "the stylesheet refers to no images at all: has the parsing broken?"
    missing = sorted(
        url for url in urls if not url.startswith("/static/") or not (STATIC / url[8:]).is_file()
    )
    assert not missing, f"{APP_CSS} refers to files that are not under static/: {missing}"


def test_only_what_the_stylesheet_refers_to_is_copied_from_the_packages():
    """No crown or logotype, nor any other package file, that the stylesheet does not use."""
    copied = {
        "/static/" + path.relative_to(STATIC).as_posix()
        for path in (STATIC / "govuk").rglob("*")
        if path.is_file() and not path.name.startswith(".")
    }
    wanted = {url for url in references(compiled_css()) if url.startswith("/static/govuk/")}
    assert copied == wanted


def make_assets(tmp_path, css):
    """`make` copying the files `css` refers to into a folder of the test's own."""
    (tmp_path / "app.css").write_text(css)
    out = tmp_path / "assets"
    return out, subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            "node_modules/.installed",  # never reinstall the packages from a test
            f"APP_CSS={tmp_path / 'app.css'}",
            f"CSS_ASSETS={out}",
            f"{out}/.copied",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_copies_exactly_what_a_stylesheet_refers_to(tmp_path):
    out, result = make_assets(
        tmp_path,
        ".a{background:url(/static/govuk/assets/images/icon-document.svg)}"
        '.b{background:url("/static/govuk/assets/images/icon-tag-remove-cross.svg?v=1#x")}'
        ".c{background:url(data:image/png;base64,AAAA)}"
        ".d{background:url('/static/images/favicon.svg')}",
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        ".copied",
        "images/icon-document.svg",
        "images/icon-tag-remove-cross.svg",
    ]


def test_make_stops_when_a_referenced_file_is_in_neither_package(tmp_path):
    _, result = make_assets(
        tmp_path,
        ".a{background:url(/static/govuk/assets/images/icon-document.svg)}"
        ".b{background:url(/static/govuk/assets/images/no-such-icon.svg)}",
    )
    assert result.returncode != 0
    assert "no-such-icon.svg" in result.stderr and "found in none of" in result.stderr


def test_collectstatic_in_production_finds_every_referenced_file(tmp_path):
    """What `make serve` does first: whitenoise's manifest storage rewrites every url()
    to a hashed name, and stops on any file that is not there."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment |= {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "register.example.org",
        "DJANGO_STATIC_ROOT": str(tmp_path / "staticfiles"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v1"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    collected = tmp_path / "staticfiles"
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    hashed_css = collected / manifest["build/app.css"]
    urls = references(hashed_css.read_text())
    assert urls and all(url.startswith("/static/") for url in urls)
    # Every reference now names a hashed copy that was collected.
    assert all((collected / url[8:]).is_file() for url in urls)
    assert set(manifest) >= {url[8:] for url in references(compiled_css())}
    # The API docs' Swagger UI is collected; what the site never serves is not.
    sidecar = "drf_spectacular_sidecar/swagger-ui-dist/"
    assert {sidecar + "swagger-ui-bundle.js", sidecar + "swagger-ui.css"} <= set(manifest)
    unused = [path for path in manifest if "redoc/" in path or path.startswith("rest_framework/")]
    assert not unused, f"collected files the site never serves: {unused[:5]}"
